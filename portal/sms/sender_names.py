"""The rule a sender name must meet before it is sent to SMSAPI, in words an admin can act on.

SMSAPI's documented rule (legacy error 2112, SMSAPI.md §4) is at most 11 characters of
`a-z A-Z 0-9 - . space`, no Polish or special characters, not a phone number. We refuse spaces
(the product keeps names one word, as handsets show them), and we leave out the underscore: only
one official test uses it and the documented set does not list it (UNCONFIRMED, §10.11). SMSAPI
still has the last word when the name is registered.
"""

from __future__ import annotations

import string

MAX_LENGTH = 11
#: The characters a name may use; change this one constant if SMSAPI confirms the underscore.
ALLOWED_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-.")


class InvalidSenderName(ValueError):
    """The name breaks a rule; the message names the rule in plain words."""


def check_sender_name(name: str) -> str:
    """The name ready to register, or InvalidSenderName saying what is wrong with it."""
    if not name:
        raise InvalidSenderName("Enter a sender name.")
    if len(name) > MAX_LENGTH:
        raise InvalidSenderName(f"Use at most {MAX_LENGTH} characters (this one has {len(name)}).")
    if any(character.isspace() for character in name):
        raise InvalidSenderName("Leave out spaces: a sender name is one word, e.g. AretoNet.")
    unusable = list(dict.fromkeys(character for character in name if character not in ALLOWED_CHARACTERS))
    if unusable:
        listed = " ".join(unusable)
        raise InvalidSenderName(
            f"Use only letters A–Z without accents, digits, “-” and “.” (not: {listed})."
        )
    if not any(character in string.ascii_letters for character in name):
        raise InvalidSenderName("Include at least one letter: digits alone look like a phone number.")
    return name
