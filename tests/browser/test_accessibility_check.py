"""The check every browser test runs finds what it is there to find."""

import pytest

from tests.browser.conftest import assert_accessible, axe_violations

PAGE = ('<!doctype html><html lang="sv"><head><title>Prov</title></head><body><main><h1>Prov</h1>{}</main>'
        '</body></html>')


def test_a_field_without_a_label_and_text_without_contrast_are_reported(page):
    page.set_content(PAGE.format('<input id="namn" type="text">'
                                 '<p style="color:#bbb;background:#fff">Ljusgrå text på vitt</p>'))
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "color-contrast"} <= found
    with pytest.raises(AssertionError, match="WCAG 2.1 A/AA violations"):
        assert_accessible(page)


def test_the_same_page_with_a_label_and_enough_contrast_passes(page):
    page.set_content(PAGE.format('<label for="namn">Namn</label><input id="namn" type="text">'
                                 '<p style="color:#333;background:#fff">Mörkgrå text på vitt</p>'))
    assert_accessible(page)
