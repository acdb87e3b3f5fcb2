"""The knowledge base: articles with revisions, the public pages, the editor and the search API."""


def init_app(app) -> None:
    from supportline.kb import api, caching, contact, views

    contact.init_app(app)

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    caching.init_app(app)
