"""The handover to NCK: scheduled, verifiable, encrypted exports of the whole caseload."""


def init_app(app) -> None:
    from supportline.handover import views
    from supportline.handover.gauges import handover_gauges
    from supportline.observability.metrics import register_gauges

    app.register_blueprint(views.bp)
    register_gauges("handover", handover_gauges)

    @app.context_processor
    def handover_banner():
        from flask_login import current_user

        from supportline.extensions import db
        from supportline.handover.lifecycle import intake_closed_message, receptions, staff_banner
        from supportline.handover.service import latest_batch

        banner = None
        # Staff only: the public sees who runs the line now (the footer), not our internal state.
        if current_user and current_user.is_authenticated:
            try:
                banner = staff_banner()
            except Exception:  # noqa: BLE001 - a banner must never break a page (e.g. the database is down)
                db.session.rollback()
        return {"handover_banner": banner, "handover_latest": latest_batch,
                "handover_receptions": receptions, "intake_closed_message": intake_closed_message}
