"""The line's opening hours and changed days (holidays, closed days, changed hours): kept by
admins at /admin/oppettider, shown on the public site, and counted by the answer-time target,
"waited" and the statistics (service.py; the arithmetic in schedule.py)."""


def init_app(app) -> None:
    pass
