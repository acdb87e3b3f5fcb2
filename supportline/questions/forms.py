"""Forms of the written questions: the asker's (no session, so no session-bound CSRF token:
a signed token of the form's own and the Origin check, as for the article feedback), and the
staff's (CSRF as everywhere)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from supportline.inquiries import taxonomy as tx
from supportline.questions.service import MAX_QUESTION, MAX_REPLY

# Room for a paste a little over the limit, so the service can say how much too long it is.
_OVERSIZE = MAX_QUESTION * 2


def _choices(labels: dict[str, str], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty), *(SelectChoice(code, label) for code, label in labels.items())]


class _PublicForm(FlaskForm):
    class Meta:
        csrf = False

    form_token = HiddenField()
    # The honeypot: hidden from people (and from screen readers), filled in by form-filling bots.
    website = StringField("Lämna det här fältet tomt", validators=[Length(max=200)])


class QuestionForm(_PublicForm):
    question = TextAreaField("Din fråga", validators=[Length(max=_OVERSIZE, message=(
        f"Frågan är för lång: högst {MAX_QUESTION} tecken."))])
    sector = SelectField("Var arbetar du?", choices=_choices(tx.SECTORS, "Välj verksamhet"), validate_choice=False)
    county = SelectField("I vilket län arbetar du?", choices=_choices(tx.COUNTY_LABELS, "Välj län"),
                         validate_choice=False)
    email = EmailField("E-post för ett meddelande när svaret finns (frivilligt)",
                       validators=[Length(max=400, message="E-postadressen är för lång.")])


class AskAgainForm(_PublicForm):
    text = TextAreaField("Din följdfråga", validators=[Length(max=_OVERSIZE, message=(
        f"Frågan är för lång: högst {MAX_QUESTION} tecken."))])


class ReplyForm(FlaskForm):
    template = SelectField("Svarsmall", choices=[], validate_choice=False)
    text = TextAreaField("Svar till frågeställaren", validators=[Length(max=MAX_REPLY * 2)])
    articles = TextAreaField("Länkad vägledning (artiklarnas adresser, en per rad)",
                             validators=[Length(max=5000)])


class AnswerTemplateForm(FlaskForm):
    title = StringField("Rubrik", validators=[Length(max=400)])
    body = TextAreaField("Text", validators=[Length(max=MAX_REPLY * 2)])
    articles = TextAreaField("Länkad vägledning (artiklarnas adresser, en per rad)",
                             validators=[Length(max=5000)])
