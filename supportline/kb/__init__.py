"""The knowledge base: articles with revisions, the public pages, the editor and the search API."""


def init_app(app) -> None:
    from supportline.kb import api, caching, contact, views
    from supportline.kb.gauges import index_gauges
    from supportline.observability.metrics import register_gauges

    contact.init_app(app)

    app.register_blueprint(views.bp)
    register_gauges("kb", index_gauges)
    app.register_blueprint(api.bp)
    caching.init_app(app)
