"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from supportline import create_app

app = create_app()
