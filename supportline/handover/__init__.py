"""The handover to NCK: scheduled, verifiable, encrypted exports of the whole caseload."""


def init_app(app) -> None:
    from supportline.handover import views

    app.register_blueprint(views.bp)

    @app.context_processor
    def handover_banner():
        from supportline.handover.service import completed_final_batch, latest_batch

        try:
            final = completed_final_batch()
        except Exception:  # noqa: BLE001 - a banner must never break a page (e.g. the database is down)
            final = None
        return {"handover_final": final, "handover_latest": latest_batch}
