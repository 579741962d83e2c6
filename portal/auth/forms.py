"""The sign-in form and the forms that set a password."""

from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.auth.passwords import MIN_PASSWORD_LENGTH
from portal.forms import PortalForm


class SignInForm(PortalForm):
    email = EmailField(
        "E-mail",
        validators=[DataRequired("Enter your e-mail address."), Email("Enter a valid e-mail address.")],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password."), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")


def new_password_field(label: str, *, required: str, description: str = "") -> PasswordField:
    """A password someone chooses: long enough, as the sign-in rules ask; one rule for every form."""
    return PasswordField(
        label,
        description=f"At least {MIN_PASSWORD_LENGTH} characters.{' ' + description if description else ''}",
        validators=[
            DataRequired(required),
            Length(
                min=MIN_PASSWORD_LENGTH, max=200, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def repeat_password_field(label: str) -> PasswordField:
    """The same password typed again, compared with the form's `password` field."""
    return PasswordField(
        label,
        validators=[EqualTo("password", "The two passwords are not the same.")],
        render_kw={"autocomplete": "new-password"},
    )


class NewPasswordForm(PortalForm):
    password = new_password_field("New password", required="Choose a new password.")
    confirm = repeat_password_field("Repeat the new password")


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password."), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
