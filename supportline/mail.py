"""Outgoing e-mail through SMTP, when an installation configures it. Messages from this
system never carry case text: they only say that something waits in the app."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app


def mail_configured() -> bool:
    return bool(current_app.config.get("SUPPORTLINE_SMTP_HOST"))


def send_mail(to: str, subject: str, body: str) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["SUPPORTLINE_MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(cfg["SUPPORTLINE_SMTP_HOST"], cfg["SUPPORTLINE_SMTP_PORT"], timeout=30) as smtp:
        if cfg["SUPPORTLINE_SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get("SUPPORTLINE_SMTP_USER"):
            smtp.login(cfg["SUPPORTLINE_SMTP_USER"], cfg.get("SUPPORTLINE_SMTP_PASSWORD") or "")
        smtp.send_message(message)
