"""The admin's forms for the week and a changed day, and reading the times typed into them
(Swedish messages per field; the service checks the rest)."""

from __future__ import annotations

import datetime as dt
import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from supportline.hours.schedule import DAY_NAMES, Span

TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
TIME_HINT = "tt:mm, t.ex. 09:00"
TIME_MESSAGE = "Skriv tiden som tt:mm, t.ex. 09:00 eller 16:30."
BOTH_MESSAGE = "Fyll i både när dagen öppnar och när den stänger, eller lämna båda tomma för stängt."
ORDER_MESSAGE = "Stängningstiden måste vara senare än öppningstiden."


class WeekForm(FlaskForm):
    confirmed = BooleanField("Öppettiderna är bekräftade med huvudmannen och får visas för allmänheten")


for _day, _name in enumerate(DAY_NAMES):
    setattr(WeekForm, f"day{_day}_opens", StringField("Öppnar", render_kw={"maxlength": 5, "size": 6}))
    setattr(WeekForm, f"day{_day}_closes", StringField("Stänger", render_kw={"maxlength": 5, "size": 6}))


class ChangeForm(FlaskForm):
    day = StringField("Datum", render_kw={"type": "date"})
    opens = StringField("Öppnar", render_kw={"maxlength": 5, "size": 6})
    closes = StringField("Stänger", render_kw={"maxlength": 5, "size": 6})
    note = StringField("Anteckning som visas för besökarna", render_kw={"maxlength": 120})


def minute_of(text: str | None) -> int | None:
    """"09:00", "9", "9.30" -> minutes after midnight; "24:00" is the end of the day. None for an
    empty field; ValueError for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    match = TIME.match(text)
    if not match:
        raise ValueError(TIME_MESSAGE)
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(TIME_MESSAGE)
    return hours * 60 + minutes


def read_span(opens_text: str | None, closes_text: str | None, opens_name: str, closes_name: str,
              errors: dict[str, str]) -> Span | None:
    """Both empty: None (closed). Both times: the span. Otherwise an error on the field at fault."""
    values = {}
    for name, text in ((opens_name, opens_text), (closes_name, closes_text)):
        try:
            values[name] = minute_of(text)
        except ValueError as exc:
            errors[name] = str(exc)
    if len(values) < 2:
        return None
    opens, closes = values[opens_name], values[closes_name]
    if opens is None and closes is None:
        return None
    if opens is None or closes is None:
        errors[opens_name if opens is None else closes_name] = BOTH_MESSAGE
        return None
    if closes <= opens:
        errors[closes_name] = ORDER_MESSAGE
        return None
    return (opens, closes)


def read_week(form: WeekForm) -> tuple[dict[int, Span], dict[str, str]]:
    weekly: dict[int, Span] = {}
    errors: dict[str, str] = {}
    for day in range(7):
        opens, closes = f"day{day}_opens", f"day{day}_closes"
        span = read_span(form[opens].data, form[closes].data, opens, closes, errors)
        if span:
            weekly[day] = span
    return weekly, errors


def read_change(form: ChangeForm) -> tuple[dt.date | None, Span | None, dict[str, str]]:
    errors: dict[str, str] = {}
    day = None
    try:
        day = dt.date.fromisoformat((form.day.data or "").strip())
    except ValueError:
        errors["day"] = "Välj ett datum (ÅÅÅÅ-MM-DD)."
    if day is not None and not 2000 <= day.year <= 2100:
        errors["day"], day = "Välj ett datum mellan år 2000 och 2100.", None
    span = read_span(form.opens.data, form.closes.data, "opens", "closes", errors)
    return day, span, errors


def time_text(minute: int | None) -> str:
    return "" if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"
