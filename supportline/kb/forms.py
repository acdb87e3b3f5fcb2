from __future__ import annotations

import datetime as dt
import re

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional

import knowledge


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (not a Ctrl-click list box)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _choices(labels: dict[str, str]):
    return [SelectChoice(code, label) for code, label in labels.items()]


SOURCE_HINT = ("En källa per rad: Utgivare | Titel | År | Länk. Länka till sidan eller dokumentet, inte till en "
               "startsida; en tryckt bok har ingen länk utan \"bok\" i länkens ställe.")
BOOK = "bok"


class ArticleForm(FlaskForm):
    version = HiddenField()
    title = StringField("Rubrik", validators=[InputRequired("Ange en rubrik."), Length(max=300)])
    slug = StringField("Adress (slug)", validators=[InputRequired("Ange en adress, till exempel orosanmalan-i-skolan."),
                                                     Length(max=120)])
    summary = TextAreaField("Sammanfattning (en eller två meningar)",
                            validators=[InputRequired("Skriv en sammanfattning."), Length(max=1000)])
    topics = CheckboxListField("Ämnen", choices=_choices(knowledge.TOPICS))
    audiences = CheckboxListField("Målgrupper", choices=_choices(knowledge.AUDIENCES))
    visibility = RadioField("Synlighet", choices=[SelectChoice("public", "Publik: alla kan läsa"),
                                                  SelectChoice("internal", "Intern: bara inloggad personal")],
                            default="public")
    sources = TextAreaField("Källor", validators=[Length(max=10_000)])
    reviewed_on = DateField("Senast granskad", validators=[Optional()], default=dt.date.today)
    reviewed_by = StringField("Granskad av", validators=[Length(max=200)])
    review_note = TextAreaField("Granskningsanteckning", validators=[Length(max=2000)])
    in_force_since = DateField("Reglerna gäller från", validators=[Optional()])
    body = TextAreaField("Text (Markdown)", validators=[InputRequired("Skriv artikelns text."), Length(max=100_000)])
    note = StringField("Kort beskrivning av ändringen", validators=[Length(max=300)])

    def sources_list(self) -> tuple[list[knowledge.Source], str | None]:
        sources, problems = [], []
        for number, line in enumerate((self.sources.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 3 or not parts[0] or not parts[1]:
                problems.append(f"rad {number}: skriv Utgivare | Titel | År | Länk")
                continue
            year_text = parts[2]
            if year_text and not re.fullmatch(r"(19|20)\d{2}", year_text):
                problems.append(f"rad {number}: året ska vara fyra siffror")
                continue
            url = parts[3] if len(parts) > 3 and parts[3] else None
            kind = None
            if url and url.casefold() == BOOK:
                url, kind = None, BOOK
            if url and not re.match(r"https?://", url):
                problems.append(f"rad {number}: länken ska börja med https://")
                continue
            sources.append(knowledge.Source(parts[0], parts[1], int(year_text) if year_text else None, url, kind))
        return sources, ("Källorna kunde inte läsas: " + "; ".join(problems) + ".") if problems else None

    def to_doc(self) -> knowledge.Article:
        sources, _problem = self.sources_list()
        return knowledge.Article(
            slug=(self.slug.data or "").strip(), title=(self.title.data or "").strip(),
            summary=(self.summary.data or "").strip(),
            body=(self.body.data or "").replace("\r\n", "\n").strip("\n").rstrip(),
            topics=list(self.topics.data or []), audiences=list(self.audiences.data or []),
            visibility=self.visibility.data or "public", sources=sources,
            reviewed_on=self.reviewed_on.data, reviewed_by=(self.reviewed_by.data or "").strip() or None,
            review_note=" ".join((self.review_note.data or "").split()) or None,
            in_force_since=self.in_force_since.data,
        )

    @staticmethod
    def sources_text(sources: list[dict]) -> str:
        return "\n".join(" | ".join([s.get("publisher") or "", s.get("title") or "", str(s.get("year") or ""),
                                     s.get("url") or (BOOK if s.get("kind") == BOOK else "")]).rstrip(" |")
                         for s in sources)


class FeedbackForm(FlaskForm):
    """Sent by anonymous readers without a session: instead of Flask-WTF's session-bound CSRF
    token it carries a signed token of its own (supportline.kb.caching), checked by the view
    together with the Origin of the post."""

    class Meta:
        csrf = False

    form_token = HiddenField()
    helpful = RadioField("Var detta till hjälp?", choices=[SelectChoice("ja", "Ja"), SelectChoice("nej", "Nej")],
                         validators=[InputRequired("Svara ja eller nej.")])
    comment = TextAreaField("Vad saknade du? (frivilligt, visas inte publikt; skriv inga namn eller personuppgifter)",
                            validators=[Length(max=2000, message="Kommentaren får vara högst 2 000 tecken.")])
