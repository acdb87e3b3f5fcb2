"""Each web host keeps its own index and follows the database's change log.

Host A is this test process; host B is a gunicorn process with an index directory of its own
on the same database. Then the index directory is made read-only and full: search goes on
from the build it has, /healthz says how far behind it is, and it catches up once it can.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

import knowledge
from supportline.extensions import db
from supportline.kb import service
from supportline.kb.index_sync import sync_state
from supportline.kb.models import Article

ROOT = Path(__file__).resolve().parents[2]
FOLLOW_WITHIN_SECONDS = 8.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_json(url: str) -> tuple[int, dict]:
    import json

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _new_article(slug: str, word: str) -> knowledge.Article:
    return knowledge.Article(
        slug=slug, title=f"Stöd vid {word}", summary=f"Så hjälper du någon som berättar om {word}.",
        body=f"## Gör så här\n\nLyssna, dokumentera och kontakta socialtjänsten om {word}.",
        topics=["method"], audiences=["social_services"], visibility="public",
        sources=[knowledge.Source(publisher="Socialstyrelsen", title="Handbok", year=2024,
                                  url="https://www.socialstyrelsen.se/")],
        reviewed_on=dt.date(2026, 10, 1), reviewed_by="Redaktionen")


@pytest.fixture
def host_b(app, imported, tmp_path):
    """A second web host: gunicorn on the same database with its own index directory."""
    port = _free_port()
    env = {**os.environ, "SUPPORTLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32),
           "SUPPORTLINE_REQUIRE_MFA": "0", "SUPPORTLINE_SECURE_COOKIES": "0",
           "SUPPORTLINE_RATELIMIT_ENABLED": "0", "SUPPORTLINE_INDEX_SYNC_SECONDS": "0.5",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://"),
           "SUPPORTLINE_INSTANCE_PATH": str(tmp_path / "host-b"),
           "SUPPORTLINE_INDEX_DIR": str(tmp_path / "host-b" / "index")}
    log = tmp_path / "host-b.log"
    process = subprocess.Popen(  # noqa: S603 - fixed command
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--error-logfile", str(log), "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if _get_json(base + "/healthz?detail")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("host B did not start: " + log.read_text()[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _seconds_until(predicate) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > FOLLOW_WITHIN_SECONDS:
            raise AssertionError(f"not seen within {FOLLOW_WITHIN_SECONDS} s")
        time.sleep(0.1)
    return time.monotonic() - started


def _slugs(base: str, query: str) -> set[str]:
    status, body = _get_json(f"{base}/api/v1/search?q={urllib.parse.quote(query)}")
    assert status == 200
    return {hit["slug"] for hit in body["hits"]}


def test_an_article_saved_on_one_host_is_searchable_on_the_other_within_seconds(app, host_b, create_user,
                                                                                    tmp_path):
    editor = create_user("editor")
    # host B built its own index from the database at start
    assert "utreseforbud-kort" in _slugs(host_b, "utomlands")
    assert Path(tmp_path / "host-b" / "index" / "CURRENT").exists()

    with app.app_context():
        row = service.save_article(editor, _new_article("stod-vid-hedersfortryck-b", "kusinäktenskap"))
        service.set_status(editor, row, "published")
        # host A (this process) shows it at once
        assert [h.slug for h in service.search("kusinäktenskap").hits] == ["stod-vid-hedersfortryck-b"]
    waited = _seconds_until(lambda: "stod-vid-hedersfortryck-b" in _slugs(host_b, "kusinäktenskap"))
    assert waited < FOLLOW_WITHIN_SECONDS

    with app.app_context():
        row = db.session.scalar(select(Article).where(Article.slug == "utreseforbud-kort"))
        service.set_status(editor, row, "archived")
    _seconds_until(lambda: "utreseforbud-kort" not in _slugs(host_b, "utomlands"))
    status, health = _get_json(host_b + "/healthz?detail")
    assert status == 200 and health["index"]["lag"] == 0 and health["index"]["documents"] == 3


def test_a_restored_database_makes_every_host_rebuild_instead_of_trusting_its_position(app, imported):
    with app.app_context():
        before = service.search("utomlands")
        assert [h.slug for h in before.hits] == ["utreseforbud-kort"]
        # another database with a change log of the same length: the index must not take it for its own
        db.session.execute(db.text("DELETE FROM kb_index_changes"))
        db.session.commit()
        row = db.session.scalar(select(Article).where(Article.slug == "utreseforbud-kort"))
        row.status = "archived"
        db.session.commit()
        for slug in ("a", "b", "c"):
            service.record_change(slug)
        db.session.commit()
        assert service.search("utomlands").hits == []


def test_a_restored_backup_that_numbers_new_changes_again_is_not_taken_for_the_index_s_own(app, imported,
                                                                                            create_user):
    editor = create_user("editor")
    _publish(app, editor, "stod-efter-backup", "kusinäktenskap")  # changes 4 and 5, after the backup
    with app.app_context():
        assert [h.slug for h in service.search("kusinäktenskap").hits] == ["stod-efter-backup"]
        # restore the backup taken after change 3: the article and changes 4-5 are gone, numbering goes back
        db.session.execute(db.text("DELETE FROM kb_index_changes WHERE id > 3"))
        db.session.execute(db.text("DELETE FROM articles WHERE slug = 'stod-efter-backup'"))
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('kb_index_changes', 'id'), 3)"))
        db.session.commit()
    _publish(app, editor, "stod-efter-aterlasning", "barnäktenskap")  # numbered 4 and 5 again
    with app.app_context():
        assert service.search("kusinäktenskap").hits == []
        assert [h.slug for h in service.search("barnäktenskap").hits] == ["stod-efter-aterlasning"]


# --- the index directory read-only or full ---------------------------------------------------


@pytest.fixture
def small_filesystem(app, imported, tmp_path):
    """The index directory on a tmpfs of its own, so it can be made read-only or full."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],  # noqa: S603,S607
                       check=True, capture_output=True, timeout=10)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"mounting a tmpfs needs root (CAP_SYS_ADMIN): {exc}")
    original = app.config["SUPPORTLINE_INDEX_DIR"]
    app.config["SUPPORTLINE_INDEX_DIR"] = str(mount / "index")
    try:
        with app.app_context():
            service.reindex()
        yield mount
    finally:
        app.config["SUPPORTLINE_INDEX_DIR"] = original
        subprocess.run(["umount", "-l", str(mount)], check=False, timeout=10)  # noqa: S603,S607


def _remount(mount: Path, mode: str) -> None:
    # A read-only remount fails ("mount point is busy") while a file deleted from the mount is still open.
    # Whoosh's objects sit in reference cycles and close their files only when the garbage collector runs,
    # which depended on what the process had run before: collect them first.
    gc.collect()
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount)], check=True, timeout=10)  # noqa: S603,S607


def _publish(app, editor, slug, word):
    with app.app_context():
        row = service.save_article(editor, _new_article(slug, word))
        service.set_status(editor, row, "published")


# Whoosh leaves the temporary files of a write that failed on a full disk open; garbage
# collection closes them later.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_an_index_that_cannot_be_written_keeps_searching_and_reports_it(app, client, small_filesystem,
                                                                        create_user, fault):
    editor = create_user("editor")
    filler = small_filesystem / "filler"
    if fault == "read-only":
        _remount(small_filesystem, "ro")
    else:
        with open(filler, "wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * 65536)
            except OSError:
                pass
    try:
        # the save itself succeeds: the database is the source, the index a cache
        _publish(app, editor, "stod-vid-hedersfortryck-c", "kusinäktenskap")
        with app.app_context():
            assert db.session.scalar(select(Article).where(Article.slug == "stod-vid-hedersfortryck-c")) is not None
        # search goes on from the build it has, without an error page
        page = client.get("/kunskap/sok?q=utomlands")
        assert page.status_code == 200 and "utreseforbud-kort" in page.get_data(as_text=True)
        assert "stod-vid-hedersfortryck-c" not in client.get("/kunskap/sok?q=kusinäktenskap").get_data(as_text=True)
        health = client.get("/healthz?detail")
        body = health.json
        assert health.status_code == 200 and body["status"] == "degraded"
        assert body["index"]["ok"] is True and body["index"]["lag"] == 2 and body["index"]["sync_error"]
    finally:
        if fault == "read-only":
            _remount(small_filesystem, "rw")
        filler.unlink(missing_ok=True)
    # room again: the next request catches up
    assert "stod-vid-hedersfortryck-c" in client.get("/kunskap/sok?q=kusinäktenskap").get_data(as_text=True)
    body = client.get("/healthz?detail").json
    assert body["status"] == "ok" and body["index"]["lag"] == 0 and body["index"]["sync_error"] is None
    with app.app_context():
        assert sync_state(app).error is None


def test_a_host_whose_index_lies_on_a_read_only_disk_at_start_serves_from_the_database(app, client,
                                                                                        small_filesystem):
    shutil.rmtree(small_filesystem / "index")
    _remount(small_filesystem, "ro")
    try:
        page = client.get("/kunskap/sok?q=utomlands")
        assert page.status_code == 200 and "utreseforbud-kort" in page.get_data(as_text=True)
        body = client.get("/healthz?detail").json
        assert body["status"] == "degraded" and body["index"]["ok"] is False
    finally:
        _remount(small_filesystem, "rw")
