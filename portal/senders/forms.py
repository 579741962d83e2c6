"""Forms of the sender-names page."""

from wtforms import StringField
from wtforms.validators import ValidationError

from portal.forms import PortalForm
from portal.sms.sender_names import MAX_LENGTH, InvalidSenderName, check_sender_name


def _sender_name_rule(form, field) -> None:
    """The same rule the service applies, so the form names the problem before anything is sent."""
    try:
        check_sender_name(field.data or "")
    except InvalidSenderName as error:
        raise ValidationError(str(error)) from None


class AddSenderForm(PortalForm):
    name = StringField(
        "New sender name",
        description=f"Up to {MAX_LENGTH} letters (A–Z), digits, “-” or “.”, with at least one letter "
        "and no spaces, e.g. AretoNet.",
        validators=[_sender_name_rule],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 20},
    )
