"""Start page, health check, accessibility statement, error pages and response headers."""


def init_app(app) -> None:
    from supportline.site import assets, errors, hardening, headers, unavailable, views
    from supportline.swedish import antal, tal

    app.register_blueprint(views.bp)
    app.add_template_filter(antal, "antal")
    app.add_template_filter(tal, "tal")
    assets.init_app(app)
    errors.init_app(app)
    unavailable.init_app(app)
    headers.init_app(app)
    hardening.init_app(app)
