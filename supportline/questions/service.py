"""Written questions: a professional asks through /fraga without an account, a handler answers
on the case, the professional reads the answer at a private link and may ask again.

A question is an inquiry with channel `web` (so it is listed, searched, counted, audited,
handed over and anonymised like any other); the asker's follow-ups and the handlers' answers
are entries on its timeline (kinds `question` and `reply`). What only a written question has
(the links, whether the asker waits, the notice address) is a WebQuestion beside it.

A link's code is 192 random bits, shown once and kept only as its SHA-256: a leaked database
opens no question. A link opens until SUPPORTLINE_QUESTION_LINK_DAYS after the last answer;
after that, and once the inquiry is anonymised, it answers exactly as a code never issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update

from supportline.audit.service import record
from supportline.auth.models import User
from supportline.db import utcnow
from supportline.extensions import db
from supportline.handover.lifecycle import intake_closed_message
from supportline.inquiries import taxonomy as tx
from supportline.inquiries.constants import EMAIL_RE, MAX_EMAIL
from supportline.inquiries.errors import InquiryInvalid, InquiryNotFound, IntakeClosed
from supportline.inquiries.models import Inquiry, TimelineEntry
from supportline.inquiries.search import index_inquiry
from supportline.inquiries.validation import guard_text
from supportline.inquiries.writes import load_for_update
from supportline.kb.models import Article
from supportline.privacy.guard import find_personal_data, find_possible_identity_numbers
from supportline.questions.models import QuestionLink, WebQuestion
from supportline.transactions import end_read, write_transaction

log = logging.getLogger(__name__)

MAX_QUESTION = 4000
MIN_QUESTION = 10
MAX_REPLY = 20_000
MAX_REPLY_ARTICLES = 10
CODE_BYTES = 24  # 192 random bits
MAX_CODE = 100
ASKER = "frågeställaren (webb)"

# The refusal the asker sees, by what the privacy guard found. The text stays in the field.
PUBLIC_MESSAGES = {
    "personnummer": "Frågan innehåller ett personnummer. Ta bort det: vi kan svara utan att veta vem det gäller.",
    "samordningsnummer": "Frågan innehåller ett samordningsnummer. Ta bort det: vi kan svara utan att veta vem "
                         "det gäller.",
    "possible": "Frågan innehåller ett nummer som ser ut som ett personnummer (ett datum följt av fyra siffror). "
                "Ta bort det eller skriv det på ett annat sätt.",
    "email": "Frågan innehåller en e-postadress. Ta bort den: svaret läser du på din egen länk, och vill du ha "
             "ett meddelande när svaret finns skriver du adressen i fältet för det.",
    "phone": "Frågan innehåller ett telefonnummer. Ta bort det: skriv inga kontaktuppgifter i frågan.",
}


class QuestionInvalid(Exception):
    """The asker's input, refused: a Swedish message per field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def link_days() -> int:
    return int(current_app.config["SUPPORTLINE_QUESTION_LINK_DAYS"])


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def _new_link(question: WebQuestion) -> str:
    code = secrets.token_urlsafe(CODE_BYTES)
    question.links.append(QuestionLink(code_hash=_hash(code)))
    return code


# --- checking what the asker sent ------------------------------------------------------------

def public_guard_message(text: str) -> str | None:
    """The privacy guard on the asker's text: None when it may be stored."""
    found = find_personal_data(text)
    if found:
        return " ".join(dict.fromkeys(PUBLIC_MESSAGES[f.kind] for f in found))
    if find_possible_identity_numbers(text):
        return PUBLIC_MESSAGES["possible"]
    return None


def _clean_text(value, errors: dict[str, str], name: str = "question") -> str:
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if len(text) < MIN_QUESTION:
        errors[name] = "Skriv din fråga (minst några ord)."
    elif len(text) > MAX_QUESTION:
        errors[name] = f"Frågan är för lång: högst {MAX_QUESTION} tecken, här finns {len(text)}."
    else:
        message = public_guard_message(text)
        if message:
            errors[name] = message
    return text


def clean_question(raw: dict, *, mail_allowed: bool) -> dict:
    errors: dict[str, str] = {}
    text = _clean_text(raw.get("question"), errors)
    sector = raw.get("sector") or ""
    if sector not in tx.SECTORS:
        errors["sector"] = "Välj var du arbetar."
    county = raw.get("county") or ""
    if county not in tx.COUNTIES:
        errors["county"] = "Välj vilket län du arbetar i."
    email = (raw.get("email") or "").strip() if mail_allowed else ""
    if email and (len(email) > MAX_EMAIL or not EMAIL_RE.match(email)):
        errors["email"] = "Skriv en hel e-postadress, till exempel namn@kommun.se, eller lämna fältet tomt."
    if errors:
        raise QuestionInvalid(errors)
    return {"text": text, "sector": sector, "county": county, "email": email or None}


# --- the asker ----------------------------------------------------------------------------

def intake_closed() -> str | None:
    """Why this installation takes no questions (it handed the line over), or None."""
    return intake_closed_message()


def ask(raw: dict, *, mail_allowed: bool) -> str:
    """Store a new question as an open inquiry (channel web); returns the pickup link's code,
    which exists nowhere else. Raises QuestionInvalid (nothing stored) or IntakeClosed."""
    clean = clean_question(raw, mail_allowed=mail_allowed)
    with write_transaction():
        closed = intake_closed()
        if closed is not None:
            raise IntakeClosed(closed)
        now = utcnow()
        inquiry = Inquiry(channel="web", received_at=now, caller_type="professional", caller_sector=clean["sector"],
                          county_code=clean["county"], caller_role="", caller_organisation="", urgency="normal",
                          summary=clean["text"], advice="", status="open", created_by_id=None, version=1,
                          created_at=now, updated_at=now, exposed_persons=[], codes=[], timeline=[])
        db.session.add(inquiry)
        db.session.flush()
        index_inquiry(inquiry)
        question = WebQuestion(inquiry_id=inquiry.id, waiting_since=now, notify_email=clean["email"],
                               created_at=now, links=[])
        code = _new_link(question)
        db.session.add(question)
        db.session.flush()
        record("question.create", None, actor=ASKER, object_type="inquiry", object_id=inquiry.id,
               detail={"notice": bool(clean["email"])}, client_address=False)
    return code


def find(code: str | None) -> WebQuestion | None:
    """The question this code opens, or None: unknown, expired or anonymised alike."""
    if not code or len(code) > MAX_CODE:
        return None
    question = db.session.scalar(select(WebQuestion).join(QuestionLink).where(QuestionLink.code_hash == _hash(code)))
    if question is None or question.inquiry.anonymised_at is not None or expired(question):
        end_read()
        return None
    return question


def expired(question: WebQuestion, now: dt.datetime | None = None) -> bool:
    if question.last_answer_at is None or question.waiting_since is not None:
        return False
    return (now or utcnow()) >= question.last_answer_at + dt.timedelta(days=link_days())


def expires_at(question: WebQuestion) -> dt.datetime | None:
    if question.last_answer_at is None or question.waiting_since is not None:
        return None
    return question.last_answer_at + dt.timedelta(days=link_days())


def record_pickup(question: WebQuestion) -> None:
    """The asker read the question and its answers: logged like every read of an inquiry."""
    with write_transaction():
        record("question.pickup", None, actor=ASKER, object_type="inquiry", object_id=question.inquiry_id,
               client_address=False)


def check_follow_up(raw_text) -> str:
    """The asker's follow-up, checked as a question is; raises QuestionInvalid (field `text`)."""
    errors: dict[str, str] = {}
    text = _clean_text(raw_text, errors, "text")
    if errors:
        raise QuestionInvalid(errors)
    return text


def ask_again(question_id: int, raw_text) -> None:
    """A follow-up from the asker on the same case: a `question` entry on the timeline; the
    case is open again and waits for an answer."""
    text = check_follow_up(raw_text)
    with write_transaction():
        question = db.session.get(WebQuestion, question_id)
        if question is None or question.inquiry.anonymised_at is not None or expired(question):
            raise InquiryNotFound(question_id)
        inquiry = question.inquiry
        now = utcnow()
        inquiry.timeline.append(TimelineEntry(kind="question", text=text, at=now, user_id=None))
        if inquiry.status != "open":
            inquiry.timeline.append(TimelineEntry(kind="status", at=now, user_id=None,
                                                  detail={"from": inquiry.status, "to": "open"}))
            inquiry.status = "open"
        question.waiting_since = question.waiting_since or now
        inquiry.version += 1
        inquiry.updated_at = now
        db.session.flush()
        index_inquiry(inquiry)
        record("question.follow_up", None, actor=ASKER, object_type="inquiry", object_id=inquiry.id,
               client_address=False)


# --- the handlers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Waiting:
    inquiry_id: int
    waiting_since: dt.datetime
    sector: str | None
    county: str | None
    excerpt: str


def waiting_questions(limit: int = 50) -> list[Waiting]:
    """Written questions waiting for an answer, the one that has waited longest first."""
    rows = db.session.execute(
        select(WebQuestion.inquiry_id, WebQuestion.waiting_since, Inquiry.caller_sector, Inquiry.county_code,
               Inquiry.summary)
        .join(Inquiry, Inquiry.id == WebQuestion.inquiry_id)
        .where(WebQuestion.waiting_since.is_not(None), Inquiry.anonymised_at.is_(None))
        .order_by(WebQuestion.waiting_since, WebQuestion.inquiry_id).limit(limit)).all()
    end_read()
    return [Waiting(r[0], r[1], r[2], r[3], _excerpt(r[4])) for r in rows]


def _excerpt(text: str, length: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def question_of(inquiry_id: int) -> WebQuestion | None:
    return db.session.scalar(select(WebQuestion).where(WebQuestion.inquiry_id == inquiry_id))


def public_articles(slugs) -> tuple[list[dict], list[str]]:
    """The published public articles among these addresses, as {slug, title} in the order
    given, and the addresses that are none (an asker could not open them)."""
    wanted = list(dict.fromkeys(s.strip().removeprefix("/kunskap/").strip("/") for s in slugs
                                if isinstance(s, str) and s.strip()))
    rows = dict(db.session.execute(select(Article.slug, Article.title).where(
        Article.slug.in_(wanted), Article.status == "published", Article.visibility == "public")).all())
    return [{"slug": s, "title": rows[s]} for s in wanted if s in rows], [s for s in wanted if s not in rows]


def staff_text(value, errors: dict[str, str], name: str, missing: str) -> str:
    """An answer's (or an answer template's) text: required, at most MAX_REPLY characters, and
    passed by the privacy guard as all case text is; the refusal goes into errors[name]."""
    text = value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""
    if not text:
        errors[name] = missing
    elif len(text) > MAX_REPLY:
        errors[name] = f"Texten är för lång: högst {MAX_REPLY} tecken, här finns {len(text)}."
    else:
        message, _doubtful = guard_text(text, set())
        if message:
            errors[name] = message
    return text


def linked_articles(slugs, errors: dict[str, str]) -> list[dict]:
    """The linked guidance of an answer: published public articles only, since the asker reads
    them without an account; at most MAX_REPLY_ARTICLES."""
    slugs = list(slugs) if isinstance(slugs, list | tuple) else []
    articles, unknown = public_articles(slugs[:MAX_REPLY_ARTICLES + 1])
    if unknown:
        errors["articles"] = ("Finns inte bland de publicerade artiklarna som alla kan läsa: " + ", ".join(unknown)
                              + ". Frågeställaren kan bara öppna publika artiklar.")
    elif len(articles) > MAX_REPLY_ARTICLES:
        errors["articles"] = f"Länka högst {MAX_REPLY_ARTICLES} artiklar."
    return articles


def clean_reply(text, article_slugs) -> tuple[str, list[dict]]:
    errors: dict[str, str] = {}
    text = staff_text(text, errors, "text", "Skriv svaret till frågeställaren.")
    articles = linked_articles(article_slugs, errors)
    if errors:
        raise InquiryInvalid(errors, {"text"} if "text" in errors and text else set())
    return text, articles


def reply(actor: User, inquiry_id: int, text, article_slugs=()) -> TimelineEntry:
    """An answer to a written question: a `reply` entry on the timeline (with the linked
    guidance articles the asker sees as links), audited; the asker no longer waits, and gets one
    notice without content if they left an address and e-mail is configured."""
    clean_text, articles = clean_reply(text, list(article_slugs or []))
    notice: tuple[str, str] | None = None
    with write_transaction():
        inquiry = _load_web_inquiry(inquiry_id)
        question = question_of(inquiry.id)
        now = utcnow()
        entry = TimelineEntry(kind="reply", text=clean_text, at=now, user_id=actor.id,
                              detail={"articles": articles} if articles else None)
        inquiry.timeline.append(entry)
        inquiry.version += 1
        inquiry.updated_at = now
        if question is not None:
            question.waiting_since = None
            question.last_answer_at = now
            if question.notify_email and _mail_configured():
                notice = (question.notify_email, _new_link(question))
        db.session.flush()
        index_inquiry(inquiry)
        record("inquiry.reply", actor, object_type="inquiry", object_id=inquiry.id,
               detail={"articles": [a["slug"] for a in articles], "notice": notice is not None})
    if notice is not None:
        send_notice(*notice)
    return entry


def _load_web_inquiry(inquiry_id: int) -> Inquiry:
    inquiry = load_for_update(inquiry_id)
    if inquiry.channel != "web":
        raise InquiryInvalid({"text": "Bara en skriftlig fråga (kanal webb) kan få ett svar till frågeställaren."})
    return inquiry


def _mail_configured() -> bool:
    from supportline.mail import mail_configured

    return mail_configured()


NOTICE_SUBJECT = "Svar från stödtelefonen"
NOTICE_BODY = (
    "Hej!\n\nDet finns ett svar på frågan du skickade till Nationella stödtelefonen om hedersrelaterat våld och "
    "förtryck. Du läser det på din länk:\n\n{link}\n\nLänken är personlig: dela den inte. Den slutar gälla "
    "{days} dagar efter det senaste svaret.\n\nDet här meddelandet skickades automatiskt och innehåller inget "
    "av frågan eller svaret. Svara inte på det.\n"
)


def send_notice(address: str, code: str) -> None:
    """The notice e-mail: the link, nothing of the question or the answer. A failure is logged
    without the address and does not undo the answer (the asker can still use the first link)."""
    from supportline.mail import send_mail

    base = current_app.config["SUPPORTLINE_BASE_URL"].rstrip("/")
    try:
        send_mail(address, NOTICE_SUBJECT, NOTICE_BODY.format(link=f"{base}/fraga/{code}", days=link_days()))
    except Exception:  # noqa: BLE001 - SMTP can fail in many ways; the answer is saved either way
        log.warning("the notice of an answer to a written question could not be sent", exc_info=False)


# --- retention --------------------------------------------------------------------------------

def _expired_ids(now: dt.datetime) -> list[int]:
    cutoff = now - dt.timedelta(days=link_days())
    due = select(WebQuestion.id).where(WebQuestion.waiting_since.is_(None), WebQuestion.last_answer_at < cutoff)
    return list(db.session.scalars(due.where(
        WebQuestion.id.in_(select(QuestionLink.question_id)) | WebQuestion.notify_email.is_not(None))))


def expire_links(now: dt.datetime, *, dry_run: bool = False) -> int:
    """Remove the links and the notice address of questions whose links have expired, inside
    the caller's transaction; returns how many questions lost them (or would, with dry_run).
    The question itself stays an inquiry and follows the ordinary retention."""
    ids = _expired_ids(now)
    if ids and not dry_run:
        db.session.execute(delete(QuestionLink).where(QuestionLink.question_id.in_(ids)))
        db.session.execute(update(WebQuestion).where(WebQuestion.id.in_(ids)).values(notify_email=None))
    return len(ids)


def forget_question(inquiry_id: int) -> None:
    """An anonymised inquiry keeps no link and no address (in the caller's transaction)."""
    ids = select(WebQuestion.id).where(WebQuestion.inquiry_id == inquiry_id).scalar_subquery()
    db.session.execute(delete(QuestionLink).where(QuestionLink.question_id.in_(ids)))
    db.session.execute(update(WebQuestion).where(WebQuestion.inquiry_id == inquiry_id)
                       .values(notify_email=None, waiting_since=None))
