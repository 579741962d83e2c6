"""Forms of the contacts area: a contact, an opt-out, lists, and the two steps of an import."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from portal.contacts.csv_import import TARGETS
from portal.contacts.phones import PhoneError, normalise_phone, sentence
from portal.forms import PortalForm, TickedIdsField

NEW_LIST = "new"


class ContactForm(PortalForm):
    phone = StringField(
        "Phone number", validators=[DataRequired("Enter a phone number.")],
        description="With the country code (+48 600 100 200) or as dialled in your account's country.",
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    first_name = StringField("First name", validators=[Length(max=100, message="At most 100 characters.")])
    last_name = StringField("Last name", validators=[Length(max=100, message="At most 100 characters.")])
    fields = TextAreaField(
        "Custom fields", render_kw={"rows": 3},
        description="One per line, name and value: “city: Kraków”. Usable in messages.",
    )
    consent = BooleanField("Gave consent to receive SMS")
    consent_source = StringField(
        "Where consent was given", validators=[Length(max=100, message="At most 100 characters.")],
        description="For example: shop sign-up form, paper form 2025.",
    )

    #: The account's default country, for reading national numbers; set by the view.
    country = "PL"

    def validate_phone(self, field) -> None:
        try:
            normalise_phone(field.data or "", self.country)
        except PhoneError as error:
            raise ValidationError(sentence(str(error))) from None

    def validate_fields(self, field) -> None:
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if line.strip() and ":" not in line:
                raise ValidationError(f"Line {number} has no “:” between the name and the value.")
            name, _sep, value = line.partition(":")
            if line.strip() and not name.strip():
                raise ValidationError(f"Line {number} has a value but no name before the “:”.")
            if len(value.strip()) > 500:
                raise ValidationError(f"The value on line {number} is longer than 500 characters.")

    def custom_fields(self) -> dict[str, str]:
        pairs = (line.partition(":") for line in (self.fields.data or "").splitlines() if line.strip())
        return {name.strip(): value.strip() for name, _sep, value in pairs}

    def show_fields(self, values: dict[str, str]) -> None:
        self.fields.data = "\n".join(f"{name}: {value}" for name, value in values.items())


class OptOutForm(PortalForm):
    reason = StringField(
        "Reason", validators=[DataRequired("Say why, for example “replied STOP” or “asked by phone”."),
                              Length(max=200, message="At most 200 characters.")],
    )


class ListForm(PortalForm):
    name = StringField("List name", validators=[DataRequired("Give the list a name."),
                                                Length(max=120, message="At most 120 characters.")])


CHOOSE_A_LIST = "Choose a list from the menu (create one under Lists first)."


class AddToListForm(PortalForm):
    """`list_id` choices are the account's lists, set per request."""

    list_id = SelectField("List", coerce=int, choices=[], validate_choice=True)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.list_id.errors:  # none chosen, or one deleted since the page was shown
            self.list_id.errors = [CHOOSE_A_LIST]
        return valid


class BulkAddForm(AddToListForm):
    """The ticked contacts, or all that match the search, onto a list; `scope` choices name the search."""

    contact_id = TickedIdsField()  # the ticks in the results table
    scope = SelectField("Which contacts", choices=[], default="selected")

    def validate_scope(self, field) -> None:
        if field.data == "selected" and not self.contact_id.data:
            raise ValidationError("Tick the contacts to add, or choose “all contacts matching”.")


class UploadForm(PortalForm):
    file = FileField(
        "File", validators=[FileRequired("Choose a file to import."),
                            FileAllowed(["csv", "txt"],
                                        "Choose a .csv or .txt file (in Excel: Save as -> CSV).")],
        description="A .csv or .txt file with a header row; comma, semicolon or tab; UTF-8 or Windows-1250.",
    )


class MappingForm(PortalForm):
    """One target per column of the file, and the list the contacts go on."""

    targets = FieldList(SelectField(choices=[SelectChoice(key, label) for key, label in TARGETS.items()]))
    list_id = SelectField("Add the contacts to", choices=[], validate_choice=True)
    new_list = StringField("Name of the new list",
                           validators=[Length(max=120, message="At most 120 characters.")])

    def validate_targets(self, field) -> None:
        phones = [entry.data for entry in field.entries].count("phone")
        if phones == 0:
            raise ValidationError("Choose the column that holds the phone numbers.")
        if phones > 1:
            raise ValidationError("Choose only one phone-number column.")
        for target in ("first_name", "last_name", "opted_out", "consent"):
            if [entry.data for entry in field.entries].count(target) > 1:
                raise ValidationError(f"Choose “{TARGETS[target]}” for one column only.")

    def validate_new_list(self, field) -> None:
        if self.list_id.data == NEW_LIST and not (field.data or "").strip():
            raise ValidationError("Give the new list a name.")
