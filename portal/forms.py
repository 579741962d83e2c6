"""The base of every form in the portal: what all forms refuse, said once.

A NUL character (U+0000) is never meant: it comes from pasting out of another program or from a
crafted request. SQLite would store it as it is and PostgreSQL refuses the whole statement, so
every form refuses it first, naming the field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF included) that also refuses NUL characters in any field."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                field.errors = [
                    *field.errors,
                    f"“{field.label.text}” holds an invisible NUL character (often from copying out of "
                    "another program): type or paste it again.",
                ]
                valid = False
        return valid
