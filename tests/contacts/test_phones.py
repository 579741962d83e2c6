"""Searching by number as people type it."""

import pytest

from portal.contacts.phones import digits_for_search, format_phone


@pytest.mark.parametrize(
    ("query", "digits"),
    [("600 100", "600100"), ("+48600", "48600"), ("0048 600", "48600"), ("600-100-2", "6001002"),
     ("anna", None), ("", None), ("60a", None)],
)
def test_a_search_that_looks_like_a_number_becomes_its_digits(query, digits):
    assert digits_for_search(query) == digits


def test_numbers_are_shown_grouped():
    assert format_phone("+48600100200") == "+48 600 100 200"
