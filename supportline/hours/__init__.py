"""The line's opening hours and changed days (holidays, closed days, changed hours): kept by
admins at /admin/oppettider, shown on the public site, and counted by the answer-time target,
"waited" and the statistics (service.py; the arithmetic in schedule.py)."""


def init_app(app) -> None:
    from supportline.hours import views

    app.register_blueprint(views.bp)

    @app.template_global()
    def public_opening_hours():
        """This week's confirmed hours and the coming changes (site/_opening_hours.html)."""
        from supportline.hours.service import public_week

        return public_week()
