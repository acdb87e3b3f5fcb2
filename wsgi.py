"""The WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app`."""

from supportline import create_app
from supportline.auth.passwords import dummy_hash
from supportline.extensions import db
from supportline.kb.index_sync import sync_index

app = create_app()

# Each web host keeps its own search index on local disk: build it from the database, or bring
# it up to date, before serving. Under gunicorn this runs once, in the master, before the workers exist.
with app.app_context():
    sync_index(force=True)
    # gunicorn forks its workers from this process (preload_app): a connection left in the pool would be one
    # socket shared by every worker. The session gives its connection back first, or it would land in the
    # new pool.
    db.session.remove()
    db.engine.dispose()

# Made before the first request, so the first login with an unknown address takes as long as any other.
dummy_hash()
