"""Counts read as Swedish: "1 ärende", never "1 ärenden", on pages and on the command line."""

from supportline.extensions import db
from supportline.swedish import antal


def test_antal_picks_singular_or_plural():
    assert antal(1, "ärende", "ärenden") == "1 ärende"
    assert antal(0, "ärende", "ärenden") == "0 ärenden"
    assert antal(2, "gång", "gånger") == "2 gånger"
    assert antal(12345, "ärende", "ärenden") == "12\u202f345 ärenden"


def test_one_inquiry_on_the_command_line(app, runner, login_as):
    from supportline.auth.models import User
    from supportline.inquiries.service import create_inquiry
    from tests.inquiries.conftest import valid_payload

    handler = login_as("handler")
    with app.app_context():
        create_inquiry(db.session.get(User, handler.id), valid_payload())
    output = runner.invoke(args=["inquiries", "reindex"]).output
    assert output.strip() == "Sökorden är omskrivna för 1 ärende."
