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


def test_numbers_read_as_swedish():
    from supportline.swedish import tal

    assert tal(71.24, 1, "%") == "71,2\u00a0%"  # decimal comma, a no-break space before the unit
    assert tal(4302) == "4\u202f302"  # a narrow no-break space between thousands
    assert tal(5157.0) == "5\u202f157,0"
    assert tal(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert tal(12345.5, grouped=False) == "12345,5"  # CSV: Swedish Excel reads it as a number
    assert tal(None) == "–" and tal("<5") == "<5"
    assert tal(-3) == "\u22123"
