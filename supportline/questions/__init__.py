"""Written questions: professionals ask online, de-identified and without an account, and read
the answer at a private link (/fraga); handlers answer on the case page; editors keep answer
templates."""


def init_app(app) -> None:
    from supportline.questions import staff_views, views

    app.register_blueprint(views.bp)
    app.register_blueprint(staff_views.bp)
