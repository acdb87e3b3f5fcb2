"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from supportline import create_app
from supportline.auth.passwords import dummy_hash
from supportline.kb.index_sync import sync_index

app = create_app()

# Each web host keeps its own search index on local disk: build it from the database, or bring
# it up to date, before serving. Workers of one host take turns on the index's lock.
with app.app_context():
    sync_index(force=True)

# Made before the first request, so the first login with an unknown address takes as long as any other.
dummy_hash()
