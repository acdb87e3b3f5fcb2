"""Administration: staff accounts."""


def init_app(app) -> None:
    from supportline.admin import views

    app.register_blueprint(views.bp)
