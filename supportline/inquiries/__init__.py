"""The handler's workspace: log, follow up and find inquiries."""


def init_app(app) -> None:
    from supportline.inquiries import api, team_views, views
    from supportline.inquiries.gauges import inquiry_gauges
    from supportline.observability.metrics import register_gauges

    app.register_blueprint(views.bp)
    app.register_blueprint(team_views.bp)
    register_gauges("inquiries", inquiry_gauges)
    app.register_blueprint(api.bp)

    from supportline.api.openapi import register_paths
    from supportline.inquiries.openapi import paths

    register_paths(*paths())
