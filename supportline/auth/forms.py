from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from supportline.auth.models import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField("E-postadress", validators=[DataRequired("Ange din e-postadress."), Length(max=320)])
    password = PasswordField("Lösenord", validators=[DataRequired("Ange ditt lösenord."), Length(max=256)])


def role_choices():
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class CreateUserForm(FlaskForm):
    email = EmailField("E-postadress", validators=[
        DataRequired("Ange en e-postadress."), Length(max=320)])
    name = StringField("Namn", validators=[Length(max=200)])
    role = SelectField("Roll", choices=role_choices(), validators=[DataRequired("Välj en roll.")])
    password = PasswordField("Tillfälligt lösenord (minst 12 tecken)",
                             validators=[DataRequired("Ange ett lösenord."), Length(max=256)])


class RoleForm(FlaskForm):
    role = SelectField("Roll", choices=role_choices())


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class CodeForm(FlaskForm):
    code = StringField("Kod", validators=[DataRequired("Ange koden."), Length(max=40)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Nuvarande lösenord", validators=[
        DataRequired("Ange ditt nuvarande lösenord."), Length(max=256)])
    new_password = PasswordField("Nytt lösenord (minst 12 tecken)", validators=[
        DataRequired("Ange ett nytt lösenord."), Length(max=256)])
    repeat_password = PasswordField("Upprepa det nya lösenordet", validators=[
        DataRequired("Upprepa det nya lösenordet."), Length(max=256)])
