"""Forms for managing the account's users."""

from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.auth.passwords import MIN_PASSWORD_LENGTH
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
    password = PasswordField(
        "First password",
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Give it to the person in a safe way.",
        validators=[
            DataRequired("Choose a first password."),
            Length(
                min=MIN_PASSWORD_LENGTH, max=200, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[EqualTo("password", "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"},
    )


class RoleForm(PortalForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.label) for role in Role])
