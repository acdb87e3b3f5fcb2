"""Forms: the statistics filter (GET, no CSRF: it changes nothing) and a resource centre."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from supportline.inquiries import taxonomy as tx
from supportline.stats.models import CENTRE_STATUSES
from supportline.stats.service import PRESETS


def _choices(labels: dict, empty: str | None = None) -> list[SelectChoice]:
    return ([SelectChoice("", empty)] if empty is not None else []) + [
        SelectChoice(code, label) for code, label in labels.items()]


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField("Period", choices=_choices(PRESETS), validate_choice=False, default="this_year")
    date_from = StringField("Från och med (vid egen period)", render_kw={"type": "date"}, name="from")
    date_to = StringField("Till och med (vid egen period)", render_kw={"type": "date"}, name="to")
    county = SelectField("Län", choices=_choices(tx.COUNTY_LABELS, "Alla län"), validate_choice=False)
    sector = SelectField("Den som ringer: verksamhet", choices=_choices(tx.SECTORS, "Alla verksamheter"),
                         validate_choice=False)


class CentreForm(FlaskForm):
    county_code = SelectField("Län", choices=_choices(tx.COUNTY_LABELS, "Välj län"), validate_choice=False)
    name = StringField("Resurscentrumets namn", render_kw={"maxlength": 200})
    host_organisation = StringField("Värdorganisation", render_kw={"maxlength": 200})
    contact = TextAreaField("Kontakt (funktionsadress eller växel, inte en privatperson)", render_kw={"rows": 2})
    status = SelectField("Status", choices=_choices(CENTRE_STATUSES), validate_choice=False)
    since = StringField("Sedan", render_kw={"type": "date"})
    whole_county = BooleanField("Tar emot från hela länet")
    municipalities = TextAreaField("Kommuner som centrumet tar emot från (om inte hela länet)", render_kw={"rows": 2})
    offers = TextAreaField("Vad centrumet erbjuder", render_kw={"rows": 3, "maxlength": 2000})
    website = StringField("Centrumets egen webbsida", render_kw={"type": "url", "maxlength": 500})
    phone = StringField("Telefon (publicerat nummer)", render_kw={"type": "tel", "maxlength": 50})
    hours = StringField("Telefontider eller öppettider (publicerade)", render_kw={"maxlength": 200})
    sources = TextAreaField("Källor (webbadresser, en per rad)", render_kw={"rows": 3})
    verified_on = StringField("Verifierat den", render_kw={"type": "date"})
    needs_verification = BooleanField("Behöver verifieras")
    note = TextAreaField("Anteckning (internt: vad som inte kunde bekräftas)", render_kw={"rows": 3})
