"""Forms for managing the account's users."""

from wtforms import EmailField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email

from portal.auth.forms import new_password_field, repeat_password_field
from portal.forms import PortalForm
from portal.models import Role

ROLE_CHOICES = [
    SelectChoice(Role.MEMBER.value, "Member – writes and sends campaigns"),
    SelectChoice(Role.ADMIN.value, "Admin – also manages settings, sender names and users"),
]


class NewUserForm(PortalForm):
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Enter the person's e-mail address."),
            Email("Enter a valid e-mail address."),
        ],
        filters=[lambda value: value.strip() if value else value],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MEMBER.value)
    password = new_password_field(
        "First password", required="Choose a first password.",
        description="Give it to the person in a safe way.",
    )
    confirm = repeat_password_field("Repeat the password")


class RoleForm(PortalForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.label) for role in Role])
