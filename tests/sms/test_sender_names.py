"""The sender-name rule checked before anything is sent to SMSAPI."""

import re

import pytest

from portal.sms.sender_names import InvalidSenderName, check_sender_name


@pytest.mark.parametrize("name", ["ARETONET", "Areto-Net", "areto.pl", "A1", "X", "ABCDEFGHIJK", "2go.pl"])
def test_names_within_the_rule_are_accepted(name):
    assert check_sender_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a sender name"),
        ("ABCDEFGHIJKL", "at most 11 characters (this one has 12)"),
        ("Areto Net", "Leave out spaces"),
        ("Areto\tNet", "Leave out spaces"),
        ("Łódź", "not: Ł ó ź"),
        ("areto_net", "not: _"),
        ("areto!", "not: !"),
        ("48500100200", "at least one letter"),
        ("12-34.5", "at least one letter"),
    ],
)
def test_each_broken_rule_is_named_in_plain_words(name, message):
    with pytest.raises(InvalidSenderName, match=re.escape(message)):
        check_sender_name(name)
