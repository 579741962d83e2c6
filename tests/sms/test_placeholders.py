"""Personalisation: `{name}` and `{name|Fallback}`, doubled braces, unknown names refused by name."""

import pytest

from portal.sms.placeholders import (
    Placeholder,
    PlaceholderError,
    UnknownPlaceholder,
    as_template,
    check_placeholders,
    parse_placeholders,
    placeholder_names,
    render,
)


def test_parse_finds_names_fallbacks_and_spans():
    text = "Hi {first_name|Customer}, your code {code}"
    assert parse_placeholders(text) == [
        Placeholder("first_name", "Customer", 3, 24),
        Placeholder("code", None, 36, 42),
    ]
    assert text[3:24] == "{first_name|Customer}"


def test_render_uses_value_then_fallback_then_nothing():
    text = "Hi {first_name|Customer} {last_name}!"
    assert render(text, {"first_name": "Ala", "last_name": "Kot"}) == "Hi Ala Kot!"
    assert render(text, {"first_name": "", "last_name": None}) == "Hi Customer !"
    assert render(text, {}) == "Hi Customer !"


def test_doubled_braces_are_literal_braces():
    text = "{{not a placeholder}} {first_name}"
    assert parse_placeholders(text) == [Placeholder("first_name", None, 22, 34)]
    assert render(text, {"first_name": "Ola"}) == "{not a placeholder} Ola"


@pytest.mark.parametrize("text", ["Hi {first name}", "Hi {", "50% off}", "{|x}", "{first_name|a|b}"])
def test_a_stray_brace_is_refused_with_its_position(text):
    with pytest.raises(PlaceholderError, match="does not belong to a placeholder"):
        parse_placeholders(text)


def test_unknown_placeholder_names_itself_and_the_known_ones():
    with pytest.raises(UnknownPlaceholder) as refused:
        check_placeholders("Hi {frist_name}", ["first_name", "last_name"])
    assert refused.value.name == "frist_name"
    assert "{frist_name}" in str(refused.value)
    assert "{first_name}" in str(refused.value)


def test_names_are_listed_once_in_order():
    assert placeholder_names("{b} {a} {b|x}") == ["b", "a"]


def test_template_puts_markers_per_occurrence():
    assert as_template("Hi {first_name|You}, {{ok}} {city}", ["[%1%]", "[%2%]"]) == "Hi [%1%], {ok} [%2%]"


def test_text_without_braces_renders_unchanged():
    assert render("Sale today, 20% off", {"first_name": "x"}) == "Sale today, 20% off"
