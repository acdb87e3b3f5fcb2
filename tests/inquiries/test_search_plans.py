"""Every way the inquiry search can run gives the same page as reading all inquiries by hand.

The search picks its SQL by the number of matches (all known and read by id; many, read along
the time index; many and a deep page) and, on SQLite, by which list is shortest. A small count
limit and page size make each of those paths run here on a few hundred synthetic inquiries, on
both databases, and each page is compared with filtering and sorting every inquiry in Python.
"""

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from supportline.auth.models import User
from supportline.extensions import db
from supportline.inquiries import search, stemming
from supportline.inquiries.models import Inquiry, InquiryCode
from supportline.inquiries.search import code_labels
from supportline.inquiries.seed import seed_inquiries
from supportline.inquiries.service import LOCAL_TZ

PER_PAGE = 4

FILTERS = [
    {},
    {"q": "tvångsgifte"},
    {"q": "skyddat boende"},
    {"q": "utreseförbud", "county": "14"},
    {"q": "utreseförbud", "county": "01"},
    {"topic": "lvu"},
    {"topic": "lvu", "exposure": "forced_marriage"},
    {"exposure": "forced_marriage", "q": "tvångsgifte", "status": "closed"},
    {"county": "01", "sector": "school"},
    {"urgency": "acute"},
    {"status": "closed", "topic": "risk_assessment", "county": "01"},
    {"date_from": dt.date(2019, 1, 1), "date_to": dt.date(2021, 6, 30), "q": "flicka"},
    {"handler": "first", "q": "boende"},
    {"q": "ordsomintefinns"},
]


def _expected(inquiries: list[dict], filters: dict, handler_ids: list[int]) -> list[int]:
    """The ids matching the filters, newest first, worked out without the search's SQL."""
    known = set().union(*(i["terms"] for i in inquiries))
    wanted_terms = set(stemming.query_terms(filters.get("q", ""), known.intersection))
    out = []
    for inquiry in inquiries:
        if any(filters.get(name) and inquiry[name] != filters[name]
               for name in ("status", "urgency", "county", "sector")):
            continue
        if filters.get("topic") and filters["topic"] not in inquiry["topics"]:
            continue
        if filters.get("exposure") and filters["exposure"] not in inquiry["exposures"]:
            continue
        if filters.get("handler") and handler_ids[0] not in (inquiry["assignee"], inquiry["created_by"]):
            continue
        local_day = inquiry["received_at"].astimezone(LOCAL_TZ).date()
        if filters.get("date_from") and local_day < filters["date_from"]:
            continue
        if filters.get("date_to") and local_day > filters["date_to"]:
            continue
        if not wanted_terms <= inquiry["terms"]:
            continue
        out.append(inquiry)
    out.sort(key=lambda i: (i["received_at"], i["id"]), reverse=True)
    return [i["id"] for i in out]


def _all_inquiries() -> list[dict]:
    codes: dict[int, dict[str, set]] = {}
    for inquiry_id, kind, code in db.session.execute(select(InquiryCode.inquiry_id, InquiryCode.kind,
                                                            InquiryCode.code)):
        codes.setdefault(inquiry_id, {}).setdefault(kind, set()).add(code)
    rows = []
    for inquiry in db.session.scalars(select(Inquiry)):
        text = "\n".join(p for p in (inquiry.summary, inquiry.advice, inquiry.caller_role,
                                     inquiry.caller_organisation) if p)
        rows.append({
            "id": inquiry.id, "received_at": inquiry.received_at, "status": inquiry.status,
            "urgency": inquiry.urgency, "county": inquiry.county_code, "sector": inquiry.caller_sector,
            "assignee": inquiry.assignee_id, "created_by": inquiry.created_by_id,
            "topics": codes.get(inquiry.id, {}).get("question_topics", set()),
            "exposures": codes.get(inquiry.id, {}).get("exposure_types", set()),
            "terms": set(stemming.index_terms(text, code_labels(
                inquiry.caller_sector, [(kind, code) for kind, values in codes.get(inquiry.id, {}).items()
                                        for code in values]))),
        })
    return rows


@pytest.fixture
def seeded(app, create_user):
    handlers = [create_user("handler").id, create_user("handler").id]
    with app.app_context():
        seed_inquiries(400, handlers, seed=7)
        # Received-at order must differ from id order, or a plan that sorts by id would pass.
        ids = db.session.scalars(select(Inquiry.id).order_by(Inquiry.received_at)).all()
        assert ids != sorted(ids)
        yield handlers, _all_inquiries()


@pytest.mark.parametrize("count_limit", [6, 30, 1000])
def test_every_plan_returns_the_pages_a_full_scan_would(app, seeded, monkeypatch, count_limit):
    handlers, inquiries = seeded
    monkeypatch.setattr(search, "COUNT_LIMIT", count_limit)
    actor = db.session.get(User, handlers[0])
    checked_paths = set()
    for given in FILTERS:
        filters = search.Filters(**{**given, "handler": handlers[0]} if "handler" in given else given)
        expected = _expected(inquiries, given, handlers)
        last_page = max(1, -(-len(expected) // PER_PAGE))
        for page_number in sorted({1, 2, 3, last_page, last_page + 1}):
            page = search.search_inquiries(actor, filters, page=page_number, per_page=PER_PAGE, audit=False)
            start = (page_number - 1) * PER_PAGE
            assert [r.id for r in page.items] == expected[start:start + PER_PAGE], (given, page_number)
            assert page.total_exact == (len(expected) <= count_limit), given
            assert page.total == min(len(expected), count_limit), given
            assert page.has_next == (len(expected) > start + PER_PAGE), (given, page_number)
            checked_paths.add("by id" if len(expected) <= count_limit
                              else "time index" if page_number * PER_PAGE <= count_limit else "deep page")
    expected_paths = {1000: {"by id"}, 30: {"by id", "time index", "deep page"},
                      6: {"by id", "time index", "deep page"}}[count_limit]
    assert checked_paths == expected_paths
    # The filters above match something in the synthetic data (an empty result proves little).
    assert [given for given in FILTERS[:-1] if not _expected(inquiries, given, handlers)] == []


def test_the_shortest_list_leads_on_sqlite(app, seeded):
    """On SQLite the ids are read from the shortest list and looked up in the others."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses its own join order from its statistics")
    handlers, inquiries = seeded
    common, rare = "tvångsgifte", "utreseförbud"
    counts = {word: len(_expected(inquiries, {"q": word}, handlers)) for word in (common, rare)}
    assert counts[rare] < counts[common]
    for words in itertools.permutations([common, rare]):
        sql = str(search._Match(search.Filters(q=" ".join(words))).candidates(10).compile(
            db.engine, compile_kwargs={"literal_binds": True}))
        listed_first = sql.split("WHERE", 1)[1]
        assert (listed_first.index(stemming.query_terms(rare)[0])
                < listed_first.index(stemming.query_terms(common)[0])), sql
