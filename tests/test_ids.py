"""Numbers beyond what an id column holds are 'not found' or a field error, never a database error."""

import pytest

from tests.inquiries.conftest import valid_payload

HUGE = 95478559561  # found by the API fuzz test: beyond a 32-bit INTEGER


@pytest.mark.parametrize("path", [f"/arenden/{HUGE}", f"/kunskap/redaktor/{HUGE}", f"/api/v1/inquiries/{HUGE}"])
def test_huge_ids_in_urls_are_404(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 404


def test_huge_assignee_is_a_field_error(app, create_user):
    from supportline.auth.models import User
    from supportline.extensions import db
    from supportline.inquiries.service import InquiryInvalid, create_inquiry

    handler = create_user("handler")
    with app.app_context(), pytest.raises(InquiryInvalid) as info:
        create_inquiry(db.session.get(User, handler.id), valid_payload(assignee_id=HUGE))
    assert info.value.errors["assignee_id"] == "Välj en handläggare i listan."


def test_huge_handler_filter_is_a_field_error(client, login_as):
    login_as("handler")
    response = client.get(f"/arenden?handler={HUGE}")
    assert response.status_code == 400
    assert "Välj en handläggare i listan." in response.get_data(as_text=True)
