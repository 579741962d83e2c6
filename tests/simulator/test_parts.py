"""The simulator's part count against the standard, and against the portal's preview.

Each case states the number of parts GSM 03.38 / TS 23.040 give (160/153 septets, 70/67 UTF-16
units, an escape pair or a surrogate pair never cut). Both counters are held to that number, so a
disagreement shows which one is wrong.
"""

import pytest

from portal.simulator.parts import count_parts
from portal.sms.segments import analyze

EMOJI = "\U0001F600"  # outside the BMP: a surrogate pair, 2 UTF-16 units
CASES = {
    "160 GSM characters fit one SMS": ("a" * 160, 1),
    "161 GSM characters take two": ("a" * 161, 2),
    "306 GSM characters fill two parts of 153": ("a" * 306, 2),
    "307 GSM characters take three": ("a" * 307, 3),
    "70 UCS-2 characters fit one SMS": ("ł" * 70, 1),
    "71 UCS-2 characters take two": ("ł" * 71, 2),
    "134 UCS-2 characters fill two parts of 67": ("ł" * 134, 2),
    "an extension character costs 2: 159 + € is 161 septets": ("a" * 159 + "€", 2),
    "80 extension characters are 160 septets, one SMS": ("^" * 80, 1),
    "an escape pair on the 153 boundary moves to the next part": ("a" * 152 + "€" + "a" * 152, 3),
    "153 × ] is 306 septets but 3 parts": ("]" * 153, 3),
    "459 × ^ is 918 septets but 7 parts": ("^" * 459, 7),
    "917 + € is 919 septets, 7 parts": ("a" * 917 + "€", 7),
    "an emoji costs 2 units: 68 + emoji is 70, one SMS": ("ł" * 68 + EMOJI, 1),
    "69 + emoji is 71 units, two parts": ("ł" * 69 + EMOJI, 2),
    "a surrogate pair on the 67 boundary moves to the next part": ("ł" * 66 + EMOJI + "ł" * 66, 3),
    "67 emoji are 134 units but 3 parts of 33 emoji": (EMOJI * 67, 3),
    "one Polish letter makes 160 characters UCS-2": ("a" * 159 + "ą", 3),
    "a bare LF is one septet": ("a" * 159 + "\n", 1),
}


@pytest.mark.parametrize(("text", "parts"), CASES.values(), ids=CASES.keys())
def test_the_simulator_counts_parts_as_the_standard_does(text, parts):
    assert count_parts(text) == parts


@pytest.mark.parametrize(("text", "parts"), CASES.values(), ids=CASES.keys())
def test_the_portal_counts_parts_as_the_standard_does(text, parts):
    assert analyze(text).parts == parts


def test_crlf_is_two_septets_to_the_simulator():
    assert count_parts("a" * 158 + "\r\n") == 1
    assert count_parts("a" * 159 + "\r\n") == 2


def test_the_simulator_bills_what_the_portal_previews_for_the_text_it_sends():
    # The portal sends its normalised text (CRLF as LF), so that is what SMSAPI counts.
    for text in ("a" * 159 + "\r\n", "line\r\n" * 30, "ł" * 60 + "\r\n" * 10):
        analysis = analyze(text)
        assert count_parts(analysis.text) == analysis.parts
