"""Forms of Settings -> SMS."""

from wtforms import BooleanField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from portal.forms import PortalForm
from portal.sms.services import SERVICES

SERVICE_CHOICES = [SelectChoice(service.key, service.display_name) for service in SERVICES.values()]


class ConnectForm(PortalForm):
    service = SelectField(
        "SMSAPI service", choices=SERVICE_CHOICES, default="pl",
        description="Where your SMSAPI account is: smsapi.pl, smsapi.com, or smsapi.io (Sweden, Bulgaria).",
    )
    # PasswordField never renders its value back, not even after a failed save.
    token = PasswordField(
        "API token",
        description="In SMSAPI: Settings -> API tokens (OAuth), create a token that may send SMS.",
        validators=[DataRequired("Paste the API token from SMSAPI.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class GoLiveForm(PortalForm):
    # Ids of their own: the page holds several forms with a `confirm` box, and ids must be unique.
    confirm = BooleanField(
        "I understand: messages will reach real phones and use SMSAPI points", id="go-live-confirm"
    )


class DefaultSenderForm(PortalForm):
    """`sender` is a sender-name id, or "" for SMSAPI's account default; choices are set per request."""

    sender = SelectField("Default sender", choices=[], validate_choice=True)


class TimezoneForm(PortalForm):
    """`timezone` offers the common zones first; choices are set per request (offsets follow DST)."""

    timezone = SelectField(
        "Time zone of this account", choices=[], validate_choice=True,
        description="Every time in the portal is shown in this zone, and campaigns are scheduled in it.",
    )


class RegenerateSecretForm(PortalForm):
    confirm = BooleanField(
        "I will paste the new URL in SMSAPI: the current one keeps working for 72 hours only",
        validators=[DataRequired("Tick the box to confirm: the current URL stops working in 72 hours.")],
        id="new-callback-confirm",
    )


class UsernameCheckForm(PortalForm):
    enabled = BooleanField("Refuse reports that name another SMSAPI user than the connected one")


class CountryForm(PortalForm):
    """`country` choices are every country whose numbers can be read, set per request."""

    country = SelectField(
        "Default country", choices=[], validate_choice=True,
        description="Phone numbers typed or imported without a country code (600 100 200) are read as "
        "numbers of this country.",
    )
