"""Follow-up reminders by e-mail through a real SMTP server on loopback."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from supportline.inquiries import service


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_reminder_email_says_what_waits_without_case_text(app, create_user, make_inquiry, smtp_server):
    from supportline.inquiries.reminders import send_follow_up_reminders

    controller, inbox = smtp_server
    handler = create_user("handler", email="hanna@test.invalid", name="Hanna")
    today = service.today_local().isoformat()
    make_inquiry(handler, follow_up_on=today, summary="Eleven berättar om hot från brodern inför resan.")
    make_inquiry(handler, follow_up_on=today)
    app.config.update(SUPPORTLINE_SMTP_HOST="127.0.0.1", SUPPORTLINE_SMTP_PORT=controller.port,
                      SUPPORTLINE_SMTP_STARTTLS=False)
    try:
        with app.app_context():
            assert send_follow_up_reminders() == 1
    finally:
        app.config.update(SUPPORTLINE_SMTP_HOST=None)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["hanna@test.invalid"]
    text = message.content.decode("utf-8", "replace")
    assert "2 ärenden att följa upp" in text or "2 =C3=A4renden" in text
    assert "brodern" not in text and "Eleven" not in text


def test_no_email_without_smtp_and_an_unreachable_server_loses_nothing(app, create_user, make_inquiry):
    from sqlalchemy import select

    from supportline.audit.models import AuditEvent
    from supportline.extensions import db
    from supportline.inquiries.reminders import send_follow_up_reminders

    handler = create_user("handler")
    make_inquiry(handler, follow_up_on=service.today_local().isoformat())
    app.config.update(SUPPORTLINE_SMTP_HOST="127.0.0.1", SUPPORTLINE_SMTP_PORT=9, SUPPORTLINE_SMTP_STARTTLS=False)
    try:
        with app.app_context():
            assert send_follow_up_reminders() == 1  # the in-app reminder stands even when mail fails
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inquiry.reminder"))
            assert '"emailed": false' in event.detail
    finally:
        app.config.update(SUPPORTLINE_SMTP_HOST=None)
