"""Access review at /admin/logg: the filtered audit log and the monthly review report.

Read-only by design: there is no route here (or anywhere) that changes an event. Admins
and coordinators may look; both only read."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template, request
from flask_login import current_user

from supportline.audit import review
from supportline.auth import roles_required
from supportline.dates import LOCAL_TZ
from supportline.query_args import DATE_RANGE_MESSAGE, in_date_range, read_int

bp = Blueprint("audit", __name__, url_prefix="/admin/logg", template_folder="templates",
               static_folder="static", static_url_path="/static")

REVIEWERS = ("coordinator",)  # and admin, which roles_required always allows


@bp.app_template_filter("audit_local_time")
def audit_local_time(value: dt.datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _page_number() -> int:
    return read_int(request.args, "sida", 1, high=999_999) or 1


@bp.get("/")
@roles_required(*REVIEWERS)
def index():
    filters = review.LogFilters.from_args(request.args)
    result = None
    if not filters.errors:
        result = review.search_events(current_user, filters, _page_number())
    return render_template("audit/log.html", filters=filters, args=filters.as_args(), result=result,
                           users=review.all_users(), actions=review.known_actions(),
                           action_label=review.action_label, detail_text=review.detail_text), \
        (400 if filters.errors else 200)


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@bp.get("/granskning")
@roles_required(*REVIEWERS)
def monthly_review():
    raw = (request.args.get("manad") or "").strip()
    error = None
    if raw:
        try:
            month = dt.datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            month, error = None, "Ange månaden som ÅÅÅÅ-MM, till exempel 2026-10."
        else:
            if not in_date_range(month):
                month, error = None, DATE_RANGE_MESSAGE
    else:
        month = _previous_month(dt.datetime.now(LOCAL_TZ).date())
    rows = review.review_report(current_user, month) if month else []
    return render_template("audit/review.html", month=month, raw=raw or (month.strftime("%Y-%m") if month else ""),
                           error=error, rows=rows,
                           total=sum(len(r.inquiries) for r in rows)), (400 if error else 200)
