"""The handler's workspace: log, follow up and find inquiries."""


def init_app(app) -> None:
    from supportline.inquiries import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)

    from supportline.api.openapi import register_paths
    from supportline.inquiries.openapi import paths

    register_paths(*paths())
