"""The campaign draft form: a name, a sender and the message."""

from __future__ import annotations

import re

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from portal.forms import PortalForm, TickedIdsField
from portal.models import ContactList, SenderName

#: SMSAPI takes a test to a handful of phones; more is a campaign, not a test.
TEST_SEND_LIMIT = 5
_NUMBER_SEPARATORS = re.compile(r"[,;\n]+")

ACCOUNT_DEFAULT = "Account default"


def _sender_id(value: str | int | None) -> int | None:
    """The select's value: '' is the account default, anything else a sender name's id."""
    if value in (None, ""):
        return None
    return int(value)


class CampaignForm(PortalForm):
    name = StringField(
        "Campaign name",
        description="Only you and your colleagues see it, e.g. “Spring sale reminder”.",
        validators=[
            DataRequired("Give the campaign a name."),
            Length(max=120, message="Keep the name under 120 characters."),
        ],
        filters=[lambda value: value.strip() if value else value],
    )
    list_ids = TickedIdsField(
        "Contact lists",
        big=False,
        refused="One of the ticked lists does not exist: reload the page and tick them again.",
        # no choices to validate against: the service refuses a list of another account by name
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    consent_only = BooleanField(
        "Only contacts who gave consent",
        description="Marketing messages need the recipient's prior consent; reminders and other "
                    "service messages do not. Contacts with no consent recorded are left out.",
    )
    # The service decides which senders are allowed, so that a stale or foreign choice gets a reason.
    sender = SelectField("Sender", coerce=_sender_id, validate_choice=False)
    # The draft's version this form shows; a save over a newer one is refused (see save_campaign).
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    message = TextAreaField(
        "Message",
        validators=[DataRequired("Write the message before saving.")],
        render_kw={"rows": 7, "spellcheck": "true"},
    )

    def offer_senders(self, active: list[SenderName], current: SenderName | None = None) -> None:
        """Account default first, then the active names; a stale current choice stays visible."""
        default = next((sender for sender in active if sender.is_default), None)
        label = f"{ACCOUNT_DEFAULT} ({default.name})" if default else ACCOUNT_DEFAULT
        choices = [SelectChoice("", label)] + [SelectChoice(str(sender.id), sender.name) for sender in active]
        if current is not None and current not in active:
            choices.append(SelectChoice(str(current.id), f"{current.name} (not active)"))
        self.sender.choices = choices

    def offer_lists(self, lists: list[ContactList]) -> None:
        """The account's lists as checkboxes; ticking one refreshes the audience summary."""
        self.list_ids.choices = [SelectChoice(contact_list.id, contact_list.name) for contact_list in lists]

    def preview_as_you_type(self, url: str) -> None:
        """htmx posts the form to `url` while the user types and swaps only the preview."""
        self.message.render_kw = {
            **self.message.render_kw,
            "hx-post": url,
            "hx-vals": '{"action": "preview"}',
            "hx-trigger": "input changed delay:150ms",
            "hx-target": "#preview",
            "hx-swap": "outerHTML",
            "hx-sync": "this:replace",
            "aria-controls": "preview",
        }


def split_numbers(text: str) -> list[str]:
    """The numbers typed in one field, separated by commas, semicolons or line breaks."""
    return [number.strip() for number in _NUMBER_SEPARATORS.split(text or "") if number.strip()]


class TestSendForm(PortalForm):
    phones = TextAreaField(
        "Send a test to",
        description=f"Up to {TEST_SEND_LIMIT} phone numbers, separated by commas or on separate lines.",
        validators=[DataRequired("Type at least one phone number to send the test to.")],
        render_kw={"rows": 2, "placeholder": "+48 600 100 200"},
    )

    def validate_phones(self, field: TextAreaField) -> None:
        count = len(split_numbers(field.data))
        if count > TEST_SEND_LIMIT:
            raise ValidationError(f"A test goes to at most {TEST_SEND_LIMIT} numbers; you typed {count}.")


class LaunchForm(PortalForm):
    when = RadioField(
        "When to send",
        choices=[SelectChoice("now", "Now"), SelectChoice("later", "At a date and time")],
        default="now",
        validators=[DataRequired("Choose when to send.")],
    )
    send_at = DateTimeLocalField("Send at", format="%Y-%m-%dT%H:%M", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        # `Optional` ends the field's own validators on an empty value, so "later" needs a time here.
        valid = super().validate(extra_validators)
        if valid and self.when.data == "later" and self.send_at.data is None:
            self.send_at.errors = ["Choose the date and time to send at."]
            return False
        return valid


class ConfirmForm(PortalForm):
    """A tick that makes a destructive action deliberate, with or without JavaScript."""

    confirm = BooleanField(
        "I understand: this cannot be undone", validators=[DataRequired("Tick the box to confirm.")]
    )
