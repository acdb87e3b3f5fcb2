"""What the inquiry services refuse with. The views and the API turn each into a page or an
answer; the messages are Swedish and safe to show."""

from __future__ import annotations

import datetime as dt

from supportline.dates import LOCAL_TZ
from supportline.inquiries.models import Inquiry


class InquiryInvalid(ValueError):
    """Input refused; `errors` maps each field to a Swedish message safe to show."""

    def __init__(self, errors: dict[str, str], privacy_fields: set[str] | None = None,
                 to_confirm: dict[str, list[tuple[str, str]]] | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        # Fields refused because of personal data, which the form can offer to redact.
        self.privacy_fields = privacy_fields or set()
        # Per field, the numbers that only look like a personnummer, as (confirmation key, text):
        # sending the key in `confirmed_numbers` saves them.
        self.to_confirm = to_confirm or {}


class IntakeClosed(InquiryInvalid):
    """This installation handed the line over to NCK and takes no new inquiries; the form shows
    it like any refusal (keeping what was typed), the API answers 409."""

    def __init__(self, message: str):
        super().__init__({"intake": message})
        self.message = message


class InquiryNotFound(LookupError):
    pass


class InquiryAnonymised(Exception):
    """The inquiry was anonymised by retention and is kept for the statistics only. Changing it
    would put case text back into a record that must hold none, or reopen a case that no
    longer says what it was about."""

    def __init__(self, inquiry_id: int, anonymised_at: dt.datetime):
        day = anonymised_at.astimezone(LOCAL_TZ).date().isoformat()
        self.message_sv = (f"Ärende {inquiry_id} avidentifierades {day} enligt gallringsreglerna och kan inte "
                           "längre ändras. Behöver frågan tas upp igen, registrera ett nytt ärende.")
        super().__init__(self.message_sv)
        self.inquiry_id = inquiry_id
        self.anonymised_at = anonymised_at


class StaleVersion(Exception):
    """Someone saved the inquiry after the version the change was based on."""

    def __init__(self, current: Inquiry):
        super().__init__(f"inquiry {current.id} is at version {current.version}")
        self.current = current
