"""The base of every form in the portal: what all forms refuse, said once.

A NUL character (U+0000) is never meant: it comes from pasting out of another program or from a
crafted request. SQLite would store it as it is and PostgreSQL refuses the whole statement, so
every form refuses it first, naming the field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from portal.ids import ids_from


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


class TickedIdsField(SelectMultipleField):
    """Ticked checkboxes of rows by id. A value that cannot be such an id (`big`: of a table of many
    rows) names no row: it is left out, as the id of a row deleted meanwhile would be, or, with
    `refused`, the field gets that error and keeps the rest."""

    def __init__(self, *args, big: bool = True, refused: str | None = None, **kwargs) -> None:
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.big = big
        self.refused = refused

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = ids_from(valuelist, big=self.big)
        if self.refused and len(self.data) != len(valuelist):
            raise ValueError(self.refused)
