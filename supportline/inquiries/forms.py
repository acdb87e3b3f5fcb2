"""The inquiry forms. They render and carry the CSRF token; the checking is done by
service.clean_inquiry so the form and the API refuse the same things with the same words."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from supportline.inquiries import taxonomy as tx


def _choices(labels: dict, empty: str | None = None) -> list[SelectChoice]:
    return ([SelectChoice("", empty)] if empty is not None else []) + [
        SelectChoice(code, label) for code, label in labels.items()]


def municipality_choices() -> list[SelectChoice]:
    """Municipalities grouped by county (rendered as <optgroup>s), by name within each."""
    ms = sorted(tx.municipalities().values(), key=lambda m: (tx.COUNTY_LABELS[m.county_code], m.name))
    return [SelectChoice("", "Välj kommun")] + [
        SelectChoice(m.code, m.name, optgroup=tx.COUNTY_LABELS[m.county_code]) for m in ms]


def centre_choices(centres, county_code: str | None) -> list[SelectChoice]:
    """The directory's centres for the outcomes, by name: first those of the chosen county and
    those elsewhere that serve one of its municipalities, then the others by county."""
    known = tx.municipalities()

    def serves(centre) -> bool:
        return any(known[m].county_code == county_code for m in centre.code_list if m in known)

    def choice(centre, group: str) -> SelectChoice:
        # what the form's script needs to order the list again when the county changes
        served = sorted({known[m].county_code for m in centre.code_list if m in known})
        attributes = {"data-county": centre.county_code, "data-serves": " ".join(served),
                      "data-order": str(centres.index(centre)),
                      "data-county-name": tx.COUNTY_LABELS.get(centre.county_code, "Annat län")}
        return SelectChoice(str(centre.id), centre.name or centre.host_organisation, optgroup=group,
                            render_kw=attributes)

    first = [c for c in centres if county_code and c.county_code == county_code]
    first += [c for c in centres if county_code and c.county_code != county_code and serves(c)]
    county_name = tx.COUNTY_LABELS.get(county_code or "", "")
    return ([SelectChoice("", "Välj resurscentrum")]
            + [choice(c, f"För {county_name}") for c in first]
            + [choice(c, tx.COUNTY_LABELS.get(c.county_code, "Annat län")) for c in centres if c not in first])


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes (never a Ctrl-click list); rendered inside a fieldset."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(Form):
    age_group = SelectField("Åldersgrupp", choices=_choices(tx.AGE_GROUPS, "Välj åldersgrupp"), validate_choice=False)
    gender = SelectField("Kön", choices=_choices(tx.GENDERS, "Välj kön"), validate_choice=False)
    role = SelectField("Utsatt eller omnämnd", choices=_choices(tx.PERSON_ROLES), validate_choice=False,
                       default="exposed")
    perpetrator_relations = CheckboxesField("Förövarnas relation till personen",
                                            choices=_choices(tx.PERPETRATOR_RELATIONS), validate_choice=False)

    def has_values(self) -> bool:
        """A row the handler filled in (a role alone is the default, not an entry)."""
        return bool(self.age_group.data or self.gender.data or self.perpetrator_relations.data
                    or self.role.data == "mentioned")

    def to_raw(self) -> dict:
        return {"age_group": self.age_group.data or None, "gender": self.gender.data or None,
                "role": self.role.data or "exposed",
                "perpetrator_relations": list(self.perpetrator_relations.data or [])}


class InquiryForm(FlaskForm):
    channel = SelectField("Kanal", choices=_choices(tx.CHANNELS), validate_choice=False, default="phone")
    received_at = StringField("Mottaget (datum och tid)", render_kw={"type": "datetime-local"})
    caller_type = SelectField("Vem kontaktar oss", choices=_choices(tx.CALLER_TYPES), validate_choice=False,
                              default="professional")
    caller_sector = SelectField("Verksamhet", choices=_choices(tx.SECTORS, "Välj verksamhet"),
                                validate_choice=False)
    caller_role = StringField("Yrkesroll eller titel", render_kw={"maxlength": 200})
    caller_organisation = StringField("Organisation", render_kw={"maxlength": 200})
    municipality_code = SelectField("Kommun", choices=[], validate_choice=False)
    county_code = SelectField("Län", choices=_choices(tx.COUNTY_LABELS, "Välj län"), validate_choice=False)
    callback_name = StringField("Namn (för återkontakt)", render_kw={"maxlength": 200})
    callback_phone = StringField("Telefon (för återkontakt)", render_kw={"maxlength": 40, "type": "tel"})
    callback_email = StringField("E-post (för återkontakt)", render_kw={"maxlength": 320, "type": "email"})
    persons = FieldList(FormField(PersonForm), min_entries=2, max_entries=20)
    perpetrator_relations = CheckboxesField("Förövarens relation till den utsatta",
                                            choices=_choices(tx.PERPETRATOR_RELATIONS), validate_choice=False)
    exposure_types = CheckboxesField("Utsatthet", choices=_choices(tx.EXPOSURE_TYPES), validate_choice=False)
    question_topics = CheckboxesField("Frågan gäller", choices=_choices(tx.QUESTION_TOPICS), validate_choice=False)
    urgency = SelectField("Hur brådskande", choices=_choices(tx.URGENCIES), validate_choice=False, default="normal")
    summary = TextAreaField("Sammanfattning av frågan", render_kw={"rows": 5})
    advice = TextAreaField("Råd som gavs", render_kw={"rows": 5})
    referrals = CheckboxesField("Hänvisning", choices=_choices(tx.REFERRALS), validate_choice=False)
    outcomes = CheckboxesField("Samtalet ledde till", choices=_choices(tx.OUTCOMES), validate_choice=False)
    resource_centre = SelectField("Vilket resurscentrum", choices=[], validate_choice=False)
    follow_up_on = StringField("Uppföljning senast", render_kw={"type": "date"})
    status = SelectField("Status", choices=_choices(tx.STATUSES), validate_choice=False, default="open")
    assignee_id = SelectField("Ansvarig handläggare", choices=[], validate_choice=False)
    duration_seconds = HiddenField()
    started_at = HiddenField()
    version = HiddenField()
    # The edit form: what it was based on (merge.fingerprints), and after a conflict which
    # fields wait for a choice and since which version the colleague's changes are counted.
    base = HiddenField()
    merge_fields = HiddenField()
    merge_since = HiddenField()
    # A new inquiry's form carries a random token made when the form was opened; sent again
    # (Spara pressed twice, or again after an error), it finds the inquiry the first send made.
    submission_key = HiddenField()

    def setup(self, users, centres=()) -> InquiryForm:
        self.municipality_code.choices = municipality_choices()
        municipality = tx.municipalities().get(self.municipality_code.data or "")
        county = municipality.county_code if municipality else self.county_code.data
        self.resource_centre.choices = centre_choices(centres, county)
        self.assignee_id.choices = [SelectChoice("", "Ingen särskild (den som registrerar)")] + [
            SelectChoice(str(u.id), u.display_name) for u in users]
        return self

    # Filled by the article suggestions beside the summary (and kept through a re-render).
    linked_articles = SelectMultipleField("Länka vägledning till ärendet", validate_choice=False)
    # Numbers the handler confirmed are not personnummer (privacy guard); rendered by hand.
    confirmed_numbers = SelectMultipleField("Inte personnummer", validate_choice=False)

    def to_raw(self) -> dict:
        """The values as the service takes them."""
        raw = {name: getattr(self, name).data for name in (
            "channel", "received_at", "caller_type", "caller_sector", "caller_role", "caller_organisation",
            "municipality_code", "county_code", "callback_name", "callback_phone", "callback_email",
            "perpetrator_relations", "exposure_types", "question_topics", "urgency", "summary", "advice",
            "referrals", "outcomes", "resource_centre", "follow_up_on", "status", "assignee_id",
            "duration_seconds")}
        raw["exposed_persons"] = [p.form.to_raw() for p in self.persons if p.form.has_values()]
        raw["linked_articles"] = list(self.linked_articles.data or [])
        raw["confirmed_numbers"] = list(self.confirmed_numbers.data or [])
        return raw


class EntryForm(FlaskForm):
    kind = SelectField("Typ", choices=[SelectChoice("contact", "Ny kontakt (samtal, e-post)"),
                                       SelectChoice("note", "Intern anteckning"),
                                       SelectChoice("article_link", "Länk till vägledning")], validate_choice=False)
    text = TextAreaField("Text", render_kw={"rows": 3})
    confirmed_numbers = SelectMultipleField("Inte personnummer", validate_choice=False)


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=_choices(tx.STATUSES), validate_choice=False)


class AssignForm(FlaskForm):
    assignee_id = SelectField("Ansvarig handläggare", choices=[], validate_choice=False)


class FollowUpForm(FlaskForm):
    follow_up_on = StringField("Uppföljning senast", render_kw={"type": "date"})
