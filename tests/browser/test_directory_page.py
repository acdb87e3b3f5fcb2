"""The public resource-centre directory in a real browser: from /kunskap by keyboard alone, on a
375 px phone without sideways scrolling, and clean under axe-core."""

from tests.browser.conftest import assert_accessible, shows
from tests.browser.test_account_pages import tab_to


def _seed(live_app):
    from supportline.stats.centres import seed_centres

    with live_app.app_context():
        seed_centres()


def test_a_professional_finds_a_county_centre_with_the_keyboard(page, live_server, live_app):
    _seed(live_app)
    page.goto(live_server + "/kunskap/")
    tab_to(page, "Regionala resurscentrum mot hedersrelaterat våld och förtryck i alla län", limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url("**/kunskap/resurscentrum")
    shows(page, "h1", "Regionala resurscentrum mot hedersrelaterat våld och förtryck", exact=True)
    assert_accessible(page)
    # the county index jumps to the county's section
    tab_to(page, "Västra Götalands län", limit=80)
    page.keyboard.press("Enter")
    page.wait_for_url("**#lan-14")
    section = page.locator("section[aria-labelledby=lan-14]")
    assert section.is_visible()
    assert "Regionalt stödcentrum heder" in section.inner_text()
    tab_to(page, "https://goteborg.se/wps/portal/enhetssida/regionalt-stodcentrum-heder/om-oss", limit=20)


def test_the_directory_reads_on_a_phone(browser, live_server, live_app):
    _seed(live_app)
    context = browser.new_context(locale="sv-SE", bypass_csp=True, viewport={"width": 375, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server + "/kunskap/resurscentrum")
        # nothing wider than the screen: long source addresses wrap instead of pushing the page sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        gotland = page.locator("section[aria-labelledby=lan-09]").inner_text()
        assert "Inget resurscentrum känt i länet." in gotland and "Inte verifierat" in gotland
        assert_accessible(page)
    finally:
        context.close()
