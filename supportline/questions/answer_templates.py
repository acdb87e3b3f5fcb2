"""Answer templates ("svarsmallar"): answer texts the editors keep, each linked to guidance
articles, that a handler inserts into an answer to a written question and adapts."""

from __future__ import annotations

from sqlalchemy import select

from supportline.audit.service import record
from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.inquiries.errors import InquiryInvalid
from supportline.questions.models import ANSWER_TEMPLATE_STATUSES, AnswerTemplate
from supportline.questions.service import linked_articles, public_articles, staff_text
from supportline.transactions import end_read, write_transaction

MAX_TITLE = 200


class TemplateNotFound(Exception):
    pass


def active_templates() -> list[AnswerTemplate]:
    rows = list(db.session.scalars(select(AnswerTemplate).where(AnswerTemplate.status == "active")
                                   .order_by(AnswerTemplate.title, AnswerTemplate.id)))
    end_read()
    return rows


def all_templates() -> list[AnswerTemplate]:
    rows = list(db.session.scalars(select(AnswerTemplate).order_by(AnswerTemplate.status, AnswerTemplate.title,
                                                                   AnswerTemplate.id)))
    end_read()
    return rows


def get_template(template_id: int) -> AnswerTemplate:
    row = db.session.get(AnswerTemplate, template_id)
    if row is None:
        raise TemplateNotFound(template_id)
    return row


def split_slugs(text: str | None) -> list[str]:
    """Article addresses from a field of one per line (or separated by commas)."""
    return [s.strip() for s in (text or "").replace(",", "\n").splitlines() if s.strip()]


def clean_template(title, body, slugs: list[str]) -> dict:
    errors: dict[str, str] = {}
    title = " ".join(title.split()) if isinstance(title, str) else ""
    if not title:
        errors["title"] = "Ge mallen en rubrik."
    elif len(title) > MAX_TITLE:
        errors["title"] = f"Rubriken får vara högst {MAX_TITLE} tecken."
    body = staff_text(body, errors, "body", "Skriv mallens text.")
    articles = linked_articles(slugs, errors)
    if errors:
        raise InquiryInvalid(errors)
    return {"title": title, "body": body, "article_slugs": [a["slug"] for a in articles]}


def save_template(actor: User | None, title, body, slugs: list[str], template_id: int | None = None) -> AnswerTemplate:
    clean = clean_template(title, body, slugs)
    with write_transaction():
        now = utcnow()
        if template_id is None:
            row = AnswerTemplate(status="active", version=1, created_at=now, **clean)
            db.session.add(row)
        else:
            row = get_template(template_id)
            for name, value in clean.items():
                setattr(row, name, value)
            row.version += 1
        row.updated_at, row.updated_by_id = now, actor.id if actor is not None else None
        db.session.flush()
        record("answer_template.create" if template_id is None else "answer_template.update", actor,
               object_type="answer_template", object_id=row.id, detail={"version": row.version})
    return row


def set_template_status(actor: User, template_id: int, status: str) -> AnswerTemplate:
    if status not in ANSWER_TEMPLATE_STATUSES:
        raise InquiryInvalid({"status": "Okänd status."})
    with write_transaction():
        row = get_template(template_id)
        if row.status != status:
            row.status = status
            row.version += 1
            row.updated_at, row.updated_by_id = utcnow(), actor.id
            record("answer_template.archive" if status == "archived" else "answer_template.restore", actor,
                   object_type="answer_template", object_id=row.id)
    return row


# Two templates for a new installation (demo seed), in the words of the articles they link to.
DEMO_TEMPLATES = [
    ("Orosanmälan: anmäl samma dag",
     "Tack för din fråga. Den som arbetar i skola, förskola, hälso- och sjukvård, socialtjänst, polis eller annan "
     "verksamhet som berör barn måste genast anmäla till socialtjänsten vid kännedom om eller misstanke om att ett "
     "barn far illa, också vid misstänkt hedersförtryck. Du behöver inga bevis: det är socialtjänsten som utreder. "
     "Anmäl samma dag och skriv att du misstänker hedersrelaterad risk, så att familjen inte kontaktas innan "
     "socialtjänsten har gjort en skyddsbedömning. Säg inget till familjen om anmälan.",
     ["orosanmalan-vem-ska-anmala", "efter-orosanmalan"]),
    ("Risk att föras utomlands",
     "Tack för din fråga. Agera samma dag: ring 112 om resan är nära förestående, annars socialtjänsten (efter "
     "kontorstid socialjouren), och gör en orosanmälan där du tydligt säger att barnet riskerar att föras "
     "utomlands och när. Kontakta inte föräldrarna. Socialtjänsten kan besluta om tillfälligt utreseförbud och "
     "omedelbart omhändertagande redan samma dag.",
     ["barn-ska-foras-utomlands-samma-dag", "infor-sommarlovet-resa-utomlands"]),
]


def seed_answer_templates(actor: User | None = None) -> int:
    """The demo templates, when there are none yet, linked to those of their articles that are
    published; returns how many were made."""
    if db.session.scalar(select(AnswerTemplate.id).limit(1)) is not None:
        end_read()
        return 0
    made = 0
    for title, body, slugs in DEMO_TEMPLATES:
        articles, _missing = public_articles(slugs)
        save_template(actor, title, body, [a["slug"] for a in articles])
        made += 1
    return made
