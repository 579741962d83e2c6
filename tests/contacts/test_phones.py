"""Searching by number as people type it."""

import pytest

from portal.contacts.phones import NumberSearch, format_phone, number_search


@pytest.mark.parametrize(
    ("query", "digits", "start"),
    [("600 100", "600100", None), ("+48600", None, "48600"), ("0048 600", "0048600", "48600"),
     ("00158", "00158", "158"), ("600-100-2", "6001002", None)],
)
def test_a_search_that_looks_like_a_number_is_read_as_digits_anywhere_or_as_its_start(query, digits, start):
    assert number_search(query) == NumberSearch(digits, start)


@pytest.mark.parametrize("query", ["anna", "", "60a", "+", "+48+600"])
def test_a_search_that_is_not_a_number_is_not_read_as_one(query):
    assert number_search(query) is None


def test_numbers_are_shown_grouped():
    assert format_phone("+48600100200") == "+48 600 100 200"
