"""Load scenario for bench/bench_load.py: handlers logging and searching inquiries, and
professionals reading and searching the public knowledge base, as their browsers do.

    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:PORT \\
        --users 20 --spawn-rate 20 --run-time 40s --csv out/step

bench_load.py sets up the instance and the handler accounts and passes them in the environment:
LOAD_HANDLER_EMAILS (comma-separated) and LOAD_HANDLER_PASSWORD; LOAD_TASKS_PER_SECOND sets each
simulated user's pace (default 1).

Users: HandlerUser and ProfessionalUser, weights 1:10. Each user starts LOAD_TASKS_PER_SECOND tasks
a second at a random phase of its own (constant throughput, see _Browser.wait_time): the offered
load grows with the number of users, and an achieved rate below it means the server could not keep
up. A task is one page view (one request), except logging a call, which is the handful of requests
the form makes.

Every request names its route ("/arenden/[id]", "/kunskap/sok", ...) so the figures aggregate per
route, is sent without following redirects and must answer exactly the expected status; anything else
(another 2xx/3xx, any 4xx/5xx, a connection error) is a failure in locust's statistics.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import re
import time
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import gevent
import yaml
from locust import task
from locust.contrib.fasthttp import FastHttpUser

ROOT = Path(__file__).resolve().parents[1]
TASKS_PER_SECOND = float(os.environ.get("LOAD_TASKS_PER_SECOND", "1"))
HANDLER_EMAILS = [e for e in os.environ.get("LOAD_HANDLER_EMAILS", "").split(",") if e]
HANDLER_PASSWORD = os.environ.get("LOAD_HANDLER_PASSWORD", "")
# Handler users take the accounts in turn; one locust process runs every user, so a module-level
# cycle hands each account to one user until there are more users than accounts.
_accounts = itertools.cycle(HANDLER_EMAILS or [""])

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
DETAIL_RE = re.compile(r'href="/arenden/(\d+)"')
ARTICLE_RE = re.compile(r'<h3><a href="/kunskap/([a-z0-9-]+)"')
HIDDEN_RE = re.compile(r'<input\b[^>]*\btype="hidden"[^>]*>')
FORM_URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}

# The questions professionals type (tests/knowledge/relevance, 125 of them), and some of the short
# queries the search page itself suggests.
QUESTIONS = [
    str(item["q"])
    for path in sorted((ROOT / "tests" / "knowledge" / "relevance").glob("*.yaml"))
    for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []
] + ["orosanmälan", "utreseförbud", "hedersvåld", "tvångsäktenskap", "könsstympning", "LVU", "skyddat boende",
     "PATRIARK", "ostergotland", "hrv skola"]


def _public_slugs() -> list[str]:
    """Slugs of the public articles in the shipped knowledge base (internal ones would be 404 here)."""
    slugs = []
    for path in sorted((ROOT / "knowledge" / "content").glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        if front.get("visibility", "public") == "public":
            slugs.append(front["slug"])
    return slugs


SLUGS = _public_slugs()
TOPICS = ["risk_assessment", "report_of_concern", "lvu", "exit_ban", "protected_housing", "police_report",
          "cooperation", "legislation", "school", "health_care", "method"]
AUDIENCES = ["social_services", "school", "preschool", "health", "police", "civil_society"]

# The handler's list filters (supportline/inquiries/search.py, taxonomy.py) and free-text queries made
# of words that occur in the case text, plus a few that match nothing.
LIST_FILTERS = [
    {}, {"status": "open"}, {"status": "awaiting"}, {"county": "01"}, {"county": "14"}, {"county": "12"},
    {"sector": "school"}, {"sector": "health"}, {"topic": "lvu"}, {"topic": "exit_ban"}, {"exposure": "fgm"},
    {"exposure": "forced_marriage"}, {"urgency": "acute"}, {"date_from": "2019-01-01", "date_to": "2019-12-31"},
    {"status": "open", "county": "05"}, {"sida": "2"}, {"sida": "40"},
]
INQUIRY_QUERIES = [
    "tvångsgifte", "skyddat boende", "utreseförbud", "orosanmälan", "riskbedömning", "dödshot", "könsstympning",
    "placering LVU", "polisanmälan", "samverkan skola", "oskuld", "homosexuell", "sommarlovet", "blåmärken",
    "kurator", "socialsekreterare", "PATRIARK", "brottsofferstöd", "tolk", "hedersförtryck", "äktenskapstvång",
    "barnahus", "omedelbart omhändertagande", "kvarhållas utomlands", "flygbiljett",
]
SECTOR_ROLES = {"social_services": "Socialsekreterare", "school": "Skolkurator", "health": "Skolsköterska",
                "police": "Utredare", "preschool": "Förskollärare", "civil_society": "Volontär"}
ORGANISATIONS = ["Västra skolan", "Socialtjänsten, mottagningsgruppen", "Elevhälsan", "Vårdcentralen",
                 "Polisens brottsutredning", "Förskolan Solen", "Ungdomsmottagningen", "Familjebehandlingen"]
SUMMARIES = [
    "Kuratorn undrar hur skolan ska agera när en elev berättar att hon ska giftas bort i sommar.",
    "Socialsekreteraren vill ha stöd i en riskbedömning av en ung kvinna som hotas av sin bror.",
    "Skolsköterskan oroar sig för att en flicka ska föras utomlands under lovet och undrar om utreseförbud.",
    "En lärare har sett blåmärken och undrar om orosanmälan när föräldrarna inte får veta.",
    "Handläggaren undrar över placering i skyddat boende för en ung person som hotas av släkten.",
]
ADVICE = [
    "Rådde att göra en orosanmälan samma dag och att inte kontakta föräldrarna.",
    "Gick igenom en strukturerad riskbedömning och hänvisade till länets resurscentrum.",
    "Förklarade tillfälligt utreseförbud och omedelbart omhändertagande enligt LVU.",
]


def hidden_inputs(html: str) -> list[tuple[str, str]]:
    """(name, value) of the hidden inputs, in page order, as a browser would submit them."""
    fields = []
    for tag in HIDDEN_RE.findall(html):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            fields.append((name.group(1), unescape(value.group(1)) if value else ""))
    return fields


def csrf_token(html: str) -> str | None:
    m = CSRF_RE.search(html)
    return (m.group(1) or m.group(2)) if m else None


def _not_degraded(html: str) -> str | None:
    # "enklare läge": the page answered from the database fallback, so the search index is missing
    # or unreadable; the status is 200 but the benchmark would not measure the real search.
    return "search answered in degraded mode (no index)" if "enklare läge" in html else None


class _Browser(FastHttpUser):
    abstract = True

    def stagger(self) -> None:
        """Start at a random point of the pacing period. Locust starts a batch of users at the same
        instant; if they kept that phase, every user of a batch would send its request at the same
        moment every period, and the bursts would queue at the two workers and measure the load
        generator, not the app. (locust's constant_throughput counts its period from the user's
        creation, so a sleep in on_start does not move the phase: hence the pacing below.)"""
        gevent.sleep(random.uniform(0, 1 / TASKS_PER_SECOND))
        self.next_start = time.perf_counter()

    def wait_time(self) -> float:
        """Constant throughput with this user's own phase: each task starts one period after the
        previous one started; after a task longer than the period, the next starts at once (no burst
        to catch up)."""
        now = time.perf_counter()
        start = getattr(self, "next_start", now)
        self.next_start = max(start + 1 / TASKS_PER_SECOND, now)
        return self.next_start - now

    def call(self, method: str, path: str, name: str, expect: int = 200, check=None, **kwargs):
        """One request that must answer `expect`; never follows a redirect (a redirect to /login
        where a page was expected is a failure, not a login page counted as a success). `check`
        may return a reason to fail an answer whose status was right."""
        with self.client.request(method, path, name=name, allow_redirects=False, catch_response=True,
                                 **kwargs) as response:
            problem = None
            if response.status_code != expect:
                problem = f"HTTP {response.status_code}, expected {expect}"
            elif check is not None:
                problem = check(response.text or "")
            if problem:
                response.failure(problem)
            else:
                response.success()
            return response


class HandlerUser(_Browser):
    """A handler at the support line: lists, searches, opens and logs inquiries, logged in through
    the real login form with its CSRF token."""

    weight = 1

    def on_start(self) -> None:
        self.email = next(_accounts)
        self.seen_ids: list[int] = []
        page = self.call("GET", "/login", "/login")
        token = csrf_token(page.text or "")
        self.call("POST", "/login", "/login", expect=302, headers=FORM_URLENCODED, data=urlencode(
            {"csrf_token": token or "", "email": self.email, "password": HANDLER_PASSWORD}))
        self._remember(self.call("GET", "/", "/ (mina uppföljningar)"))
        self.stagger()

    def _remember(self, response) -> None:
        ids = [int(i) for i in DETAIL_RE.findall(response.text or "")]
        if ids:
            self.seen_ids = (ids + self.seen_ids)[:100]

    @task(1)
    def follow_ups(self) -> None:
        self._remember(self.call("GET", "/", "/ (mina uppföljningar)"))

    @task(3)
    def list_inquiries(self) -> None:
        query = urlencode(random.choice(LIST_FILTERS))
        self._remember(self.call("GET", "/arenden" + ("?" + query if query else ""), "/arenden"))

    @task(3)
    def search_inquiries(self) -> None:
        params = {"q": random.choice(INQUIRY_QUERIES)}
        if random.random() < 0.3:
            params.update(random.choice(LIST_FILTERS[1:14]))
        self._remember(self.call("GET", "/arenden?" + urlencode(params), "/arenden?q="))

    @task(4)
    def open_inquiry(self) -> None:
        # As a click on a row of a list the handler has seen; until there is one, go to the list.
        if not self.seen_ids:
            self.list_inquiries()
            return
        self.call("GET", f"/arenden/{random.choice(self.seen_ids)}", "/arenden/[id]")

    @task(1)
    def log_call(self) -> None:
        """What the form's browser does while a call is logged: open the form, one draft save, the
        guidance suggestions for the summary, the "tidigare kontakter" look-up, then save and land on
        the new case."""
        page = self.call("GET", "/arenden/nytt", "/arenden/nytt")
        html = page.text or ""
        # The inquiry form only: the page has other small forms (log out, discard the draft).
        start = html.find("data-draft-url")
        form = html[start:html.find("</form>", start)] if start >= 0 else html
        # Every hidden field goes back as the browser sends it (CSRF token, the form's submission key, ...).
        hidden = dict(hidden_inputs(form))
        token = hidden.get("csrf_token") or csrf_token(html)
        if token is None:
            return
        sector = random.choice(list(SECTOR_ROLES))
        organisation = random.choice(ORGANISATIONS)
        summary = random.choice(SUMMARIES)
        received = re.search(r'name="received_at"[^>]*value="([^"]*)"', form)
        hidden.update(csrf_token=token, duration_seconds=str(random.randint(180, 1500)))  # the call timer's time
        fields = list(hidden.items()) + [
            ("channel", "phone"),
            ("received_at", received.group(1) if received else dt.datetime.now().strftime("%Y-%m-%dT%H:%M")),
            ("caller_type", "professional"), ("caller_sector", sector), ("caller_role", SECTOR_ROLES[sector]),
            ("caller_organisation", organisation), ("municipality_code", random.choice(["0180", "1480", "1280",
                                                                                          "0580", "2480"])),
            ("county_code", ""), ("callback_name", ""), ("callback_phone", ""), ("callback_email", ""),
            ("persons-0-age_group", random.choice(["13-15", "16-17", "18-20"])),
            ("persons-0-gender", "girl_woman"), ("persons-1-age_group", ""), ("persons-1-gender", ""),
            ("perpetrator_relations", "parent"), ("exposure_types", "control"),
            ("exposure_types", random.choice(["forced_marriage", "abroad", "psychological"])),
            ("question_topics", random.choice(TOPICS)), ("urgency", random.choice(["normal", "normal", "high"])),
            ("summary", summary), ("advice", random.choice(ADVICE)), ("referrals", "social_services"),
            ("follow_up_on", ""), ("status", "open"), ("assignee_id", ""),
        ]
        draft = {k: v for k, v in fields if k not in {"csrf_token", "exposure_types"}}
        draft["exposure_types"] = [v for k, v in fields if k == "exposure_types"]
        self.call("POST", "/arenden/utkast?key=new", "/arenden/utkast", json=draft,
                  headers={"X-CSRFToken": token})
        self.call("POST", "/kunskap/forslag", "/kunskap/forslag", headers={**FORM_URLENCODED, "X-CSRFToken": token},
                  data=urlencode({"q": summary}))
        self.call("GET", "/arenden/tidigare-kontakter?" + urlencode({"organisation": organisation, "phone": ""}),
                  "/arenden/tidigare-kontakter")
        saved = self.call("POST", "/arenden/nytt", "/arenden/nytt", expect=302, headers=FORM_URLENCODED,
                          data=urlencode(fields + [("action", "save")]))
        m = re.search(r"/arenden/(\d+)$", saved.headers.get("Location", "") if saved.headers else "")
        if m:
            self.seen_ids.insert(0, int(m.group(1)))
            self.call("GET", f"/arenden/{m.group(1)}", "/arenden/[id]")


class ProfessionalUser(_Browser):
    """A professional reading the public guidance without an account."""

    weight = 10

    def on_start(self) -> None:
        self.hits: list[str] = []
        self.stagger()

    @task(2)
    def start_page(self) -> None:
        self.call("GET", "/kunskap/", "/kunskap/")

    @task(5)
    def search(self) -> None:
        params = {"q": random.choice(QUESTIONS)}
        if random.random() < 0.15:
            params["audience"] = random.choice(AUDIENCES)
        elif random.random() < 0.1:
            params["topic"] = random.choice(TOPICS)
        response = self.call("GET", "/kunskap/sok?" + urlencode(params), "/kunskap/sok", check=_not_degraded)
        self.hits = ARTICLE_RE.findall(response.text or "")[:3] or self.hits

    @task(4)
    def read_article(self) -> None:
        # Half the time one of the top hits of the last search, else any public article.
        slug = random.choice(self.hits) if self.hits and random.random() < 0.5 else random.choice(SLUGS)
        self.call("GET", f"/kunskap/{slug}", "/kunskap/[slug]")
