"""The campaign draft form: a name, a sender and the message."""

from __future__ import annotations

from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.forms import PortalForm
from portal.models import SenderName

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
