"""The JSON API under /api/v1: Bearer tokens for integrations, or a staff session plus
an X-CSRFToken header for calls from the app's own pages."""


def init_app(app) -> None:
    from supportline.api import views

    app.register_blueprint(views.bp)
