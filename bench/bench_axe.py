"""Benchmark the accessibility check every browser test runs: axe-core put into the page as the file's
text (as before) against loaded by URL from a loopback server (tests/browser/conftest.py), alternating
in one run, in Debian's headless Chromium.

    .venv/bin/python bench/bench_axe.py [--rounds 12] [--checks 3]

A round is what a browser test does: a new context and page, then CHECKS checks, each on a page the
app might render (a form, a table, a list of links), each a fresh document as after a navigation.
Prints the median wall time of putting axe into the page and of the whole check (putting it in and
running the WCAG 2.1 A/AA rules), each way, and the ratio of the new way to the old: the machine is
shared, so only the ratio of alternating rounds counts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.conftest import AXE_JS, AXE_RUN, CHROMIUM, WCAG_TAGS, axe_script_url  # noqa: E402

PAGE = ('<!doctype html><html lang="sv"><head><title>Ärenden</title></head><body><header><nav><ul>'
        + "".join(f'<li><a href="/sida-{i}">Sida {i}</a></li>' for i in range(12))
        + '</ul></nav></header><main><h1>Ärenden</h1><form><label for="q">Sök</label><input id="q" name="q">'
        + '<label for="status">Status</label><select id="status">'
        + "".join(f"<option>Val {i}</option>" for i in range(20)) + '</select><button>Sök</button></form>'
        + '<table><caption>Senaste ärenden</caption><thead><tr><th scope="col">Nr</th><th scope="col">Län</th>'
        + '<th scope="col">Sammanfattning</th></tr></thead><tbody>'
        + "".join(f"<tr><td>{i}</td><td>Uppsala län</td><td>Eleven berättar om hot från familjen {i}.</td></tr>"
                  for i in range(60)) + "</tbody></table></main></body></html>")

WAYS = {
    "as the file's text": lambda page: page.add_script_tag(path=str(AXE_JS)),
    "by URL": lambda page: page.add_script_tag(url=axe_script_url()),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--checks", type=int, default=3)
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    put_in: dict[str, list[float]] = {way: [] for way in WAYS}
    whole: dict[str, list[float]] = {way: [] for way in WAYS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for round_number in range(options.rounds + 1):  # the first round warms up and is not counted
            for way, inject in WAYS.items():
                context = browser.new_context(locale="sv-SE", bypass_csp=True)
                page = context.new_page()
                for _ in range(options.checks):
                    page.set_content(PAGE)
                    start = time.perf_counter()
                    inject(page)
                    injected = time.perf_counter()
                    violations = page.evaluate(AXE_RUN, WCAG_TAGS)
                    done = time.perf_counter()
                    assert violations == [], violations
                    if round_number:
                        put_in[way].append(injected - start)
                        whole[way].append(done - start)
                context.close()
        browser.close()

    old, new = WAYS
    print(f"{options.rounds} rounds of {options.checks} checks each way, alternating; median seconds a check")
    print(f"{'':28}{'axe into the page':>18}{'whole check':>14}")
    for way in WAYS:
        print(f"{way:28}{statistics.median(put_in[way]):18.3f}{statistics.median(whole[way]):14.3f}")
    print(f"{'ratio (by URL / as text)':28}{statistics.median(put_in[new]) / statistics.median(put_in[old]):18.2f}"
          f"{statistics.median(whole[new]) / statistics.median(whole[old]):14.2f}")


if __name__ == "__main__":
    main()
