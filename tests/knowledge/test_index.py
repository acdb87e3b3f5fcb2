import datetime
import json
import multiprocessing
import threading
import time

import pytest

import knowledge.search as search_module
from knowledge import (
    Article,
    IndexNeedsRebuild,
    IndexUnavailable,
    SearchIndex,
    SearchResults,
    Source,
    normalise_query,
)
from knowledge.search import load_synonyms


def make(slug, title, body, topics=("other",), audiences=("social_services",), visibility="public", summary=None):
    return Article(
        slug=slug,
        title=title,
        summary=summary or f"Kort om {title.lower()}.",
        body=body,
        topics=list(topics),
        audiences=list(audiences),
        visibility=visibility,
        sources=[Source("Testkälla", "Testtitel", 2024, None)],
        reviewed_on=datetime.date(2026, 1, 1),
        reviewed_by="Test",
    )


CORPUS = [
    make(
        "sommarlov",
        "Inför sommarlovet",
        "Flickor kan bli tvångsgifta under en resa till släkten. Prata med eleven före lovet.",
        topics=["exit_ban", "school"],
        audiences=["school"],
    ),
    make(
        "lansstyrelsen",
        "Länsstyrelsens uppdrag",
        "Länsstyrelsen i Östergötlands län samordnar de regionala resurscentrumen.",
        topics=["cooperation"],
    ),
    make("hudutslag", "Utslag", "Utslag på hud kan ha många orsaker.", topics=["health_care"], audiences=["health"]),
    make(
        "konsstympning",
        "Kvinnlig omskärelse",
        "Könsstympning är förbjuden i Sverige, även om ingreppet görs utomlands.",
        topics=["legislation", "health_care"],
        audiences=["health", "school"],
    ),
    make(
        "skyddat-boende",
        "Placering utanför hemmet",
        "Socialnämnden kan besluta om skyddat boende för den som är utsatt.",
        topics=["protected_housing"],
    ),
    make(
        "lvu-lagen",
        "Vård utan samtycke",
        "Enligt lagen med särskilda bestämmelser om vård av unga kan barnet placeras.",
        topics=["lvu", "legislation"],
    ),
    make(
        "intern-rutin",
        "Rutin för handläggare",
        "Interninstruktion: så dokumenterar du ett ärende om riskbedömning.",
        topics=["method", "risk_assessment"],
        visibility="internal",
    ),
    make(
        "risk-1",
        "Riskbedömning med PATRIARK",
        "En strukturerad riskbedömning görs av socialtjänsten.",
        topics=["risk_assessment", "method"],
    ),
    make(
        "risk-2",
        "Riskbedömning i skolan",
        "Skolan gör ingen riskbedömning men anmäler oro.",
        topics=["risk_assessment", "school"],
        audiences=["school", "preschool"],
    ),
    make(
        "risk-3",
        "Riskbedömning i vården",
        "Vården kan behöva en riskbedömning inför utskrivning.",
        topics=["risk_assessment", "health_care"],
        audiences=["health"],
    ),
    make(
        "oro", "Anmälan om oro", "Den som arbetar med barn ska anmäla oro till socialtjänsten.", ["report_of_concern"]
    ),
    make("hedersnormer", "Hedersnormer", "Heder och kollektiv kontroll av flickors liv.", ["other"]),
    make("polis", "Polisanmälan", "Polisen tar emot anmälan om brott.", ["police_report"], ["police"]),
    make("samverkan", "Samverkan", "Myndigheter behöver samarbeta kring barnet.", ["cooperation"]),
    make("aklagare", "Åklagarens roll", "Åklagaren leder förundersökningen.", ["legislation"], ["prosecution"]),
    make("forskola", "Förskolans ansvar", "Förskolan ska vara uppmärksam på tecken.", ["school"], ["preschool"]),
    make("migration", "Migrationsverket", "Migrationsverket prövar uppehållstillstånd.", ["other"], ["migration"]),
    make("civil", "Civilsamhället", "Ideella organisationer stöttar utsatta.", ["other"], ["civil_society"]),
    make("utresa", "Utreseförbud", "Ett utreseförbud kan meddelas enligt LVU.", ["exit_ban", "lvu"]),
    make("farlig", "Farlig text", "Exempel <script>alert(1)</script> & mer text om alert.", ["other"]),
]

ADVERSARIAL = [
    '"unbalanced quote',
    'skola "en fras',
    "((skola",
    "skola))",
    ")(",
    "AND",
    "OR",
    "NOT",
    "AND OR NOT",
    "skola AND",
    "NOT skola",
    "*",
    "??*",
    "skol*",
    "[a TO z]",
    "{a TO z}",
    "title:x",
    "created:[2024-02-30 TO 2024]",
    "x" * 80_000,
    "a\x00b\x07c\x1b[31m",
    "\ud800",
    "\udfff skola \ud800",
    "o\u0308stergo\u0308tland",
    "skola^5",
    "skola~2",
    "~",
    "\\",
    "'",
    "a:b:c:",
    " ".join(["riskbedömning"] * 500),
    "(" * 300 + "skola" + ")" * 300,
    "ANDMAYBE REQUIRE ANDNOT",
    "skola ANDMAYBE riskbedömning",
    "<script>alert(1)</script>",
    "",
    "   ",
    None,
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("index"))
    assert ix.build(CORPUS) == len(CORPUS)
    yield ix
    ix.close()


@pytest.fixture
def fresh_index(tmp_path):
    ix = SearchIndex(tmp_path / "index")
    ix.build(CORPUS)
    yield ix
    ix.close()


def slugs(results: SearchResults) -> list[str]:
    return [hit.slug for hit in results.hits]


def test_status_of_built_index(index):
    status = index.status()
    assert status["ok"] is True
    assert status["documents"] == len(CORPUS)
    assert status["schema_version"] == search_module.SCHEMA_VERSION
    assert status["error"] is None
    assert status["needs_rebuild"] is False
    datetime.datetime.fromisoformat(status["built_at"])


def test_stemming(index):
    assert "sommarlov" in slugs(index.search("tvångsgifte"))


def test_diacritics_are_folded(index):
    assert slugs(index.search("ostergotland")) == ["lansstyrelsen"]
    assert slugs(index.search("ÖSTERGÖTLAND")) == ["lansstyrelsen"]
    assert slugs(index.search("o\u0308stergo\u0308tland")) == ["lansstyrelsen"]


def test_hed_does_not_match_hud(index):
    assert "hudutslag" not in slugs(index.search("hed"))
    assert slugs(index.search("hud")) == ["hudutslag"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("FGM", "konsstympning"),
        ("skyddsboende", "skyddat-boende"),
        ("LVU", "lvu-lagen"),
        ("orosanmälan", "oro"),
    ],
)
def test_synonyms(index, query, expected):
    results = index.search(query)
    assert expected in slugs(results)
    assert all(hit.score > 0 for hit in results.hits)


def test_synonym_file_is_valid():
    groups = load_synonyms()
    assert len(groups) >= 20
    flat = [term.casefold() for group in groups for term in group]
    assert len(flat) == len(set(flat)), "ett uttryck får bara finnas i en grupp"


def test_title_ranks_above_body(index):
    index.update(make("risk-body", "Annat", "Här nämns riskbedömning bara i texten."))
    try:
        results = index.search("riskbedömning")
        assert set(slugs(results)[:3]) == {"risk-1", "risk-2", "risk-3"}
        assert slugs(results)[3] == "risk-body"
        assert all(hit.score > 0 for hit in results.hits)
    finally:
        index.delete("risk-body")


def test_facets_count_all_matches(index):
    results = index.search("riskbedömning")
    assert results.total == 3
    assert results.facets["topics"] == {"risk_assessment": 3, "method": 1, "school": 1, "health_care": 1}
    assert results.facets["audiences"] == {"health": 1, "preschool": 1, "school": 1, "social_services": 1}


def test_filters(index):
    assert slugs(index.search("riskbedömning", topic="school")) == ["risk-2"]
    assert slugs(index.search("riskbedömning", audience="health")) == ["risk-3"]
    assert index.search("riskbedömning", topic="no_such_topic").total == 0
    listed = index.search("", topic="risk_assessment")
    assert sorted(slugs(listed)) == ["risk-1", "risk-2", "risk-3"]


def test_internal_articles_hidden_unless_asked(index):
    assert index.search("interninstruktion").total == 0
    assert slugs(index.search("interninstruktion", include_internal=True)) == ["intern-rutin"]
    public = index.search("riskbedömning")
    assert "intern-rutin" not in slugs(public)
    assert public.facets["topics"]["risk_assessment"] == 3
    assert index.search("riskbedömning", include_internal=True).facets["topics"]["risk_assessment"] == 4


def test_pagination(index):
    first = index.search("riskbedömning", pagelen=2)
    second = index.search("riskbedömning", pagelen=2, page=2)
    assert (first.total, first.pages, len(first.hits)) == (3, 2, 2)
    assert (second.page, len(second.hits)) == (2, 1)
    assert not set(slugs(first)) & set(slugs(second))
    assert index.search("riskbedömning", pagelen=2, page=9).hits == []


def test_snippets_mark_matches_and_escape_the_rest(index):
    hit = index.search("alert").hits[0]
    assert "<mark>alert</mark>" in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html
    assert "<script" not in hit.snippet_html
    assert hit.title == "Farlig text"
    assert hit.summary == "Kort om farlig text."


def test_suggestion_for_misspelling(index):
    results = index.search("könstympning")
    assert results.suggestion == "könsstympning"
    assert index.search("könsstympning").suggestion is None
    assert index.search("xqzvw").suggestion is None


def test_suggestion_ignores_internal_words(index):
    assert index.search("interninstruktio").suggestion is None
    assert index.search("interninstruktio", include_internal=True).suggestion == "interninstruktion"


def test_a_guessed_word_of_an_internal_article_is_never_confirmed(tmp_path):
    ix = SearchIndex(tmp_path / "index")
    secret = make("hemlig", "Hemlig rutin", "Kodordet zorbaflinkel gäller i telefon.", visibility="internal")
    ix.build([*CORPUS, secret])
    # Beside a word that finds public articles, the corrected query finds something visible:
    # before, the internal word was offered and so confirmed ("zorbaflinkek" → "zorbaflinkel").
    assert ix.search("zorbaflinkek utslag").suggestion is None
    assert ix.search("zorbaflinkek utslag", include_internal=True).suggestion == "zorbaflinkel utslag"
    # Nor does the exact word behave differently from a word no article holds.
    assert ix.search("zorbaflinkel utslag").suggestion == ix.search("qxwyflinkel utslag").suggestion


def test_archived_and_changed_articles_take_their_words_out_of_the_suggestions(tmp_path):
    ix = SearchIndex(tmp_path / "index")
    ix.build([*CORPUS, make("arkiverad", "Gammal text", "Ordet blixtrullar fanns bara här."),
              make("andras", "Ändras", "Ordet pirrelunda försvinner när texten ändras.")])
    assert ix.search("blixtrillar utslag").suggestion == "blixtrullar utslag"
    assert ix.search("pirrelinda utslag").suggestion == "pirrelunda utslag"
    ix.apply(upserts=[make("andras", "Ändras", "Nu står här något annat.")], deletes=["arkiverad"])
    assert ix.search("blixtrillar utslag").suggestion is None
    assert ix.search("pirrelinda utslag").suggestion is None
    # A public article made internal takes its words to the staff's list only.
    ix.apply(upserts=[make("andras", "Ändras", "Ordet pirrelunda är tillbaka.", visibility="internal")])
    assert ix.search("pirrelinda utslag").suggestion is None
    assert ix.search("pirrelinda utslag", include_internal=True).suggestion == "pirrelunda utslag"


def test_phrases_and_operators(index):
    assert slugs(index.search('"skyddat boende"')) == ["skyddat-boende"]
    assert "risk-2" not in slugs(index.search("riskbedömning NOT skolan"))
    assert index.search("riskbedömning AND vården").total == 1


@pytest.mark.parametrize("query", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_queries_are_safe_and_fast(index, query):
    index.search("uppvärmning")
    # Best of three, so a busy test machine does not fail a fast query.
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        results = index.search(query)
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.1, f"{min(timings) * 1000:.0f} ms"
    assert isinstance(results, SearchResults)
    assert results.query == normalise_query(query)
    assert len(results.query) <= 200


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"unbalanced', "unbalanced"),
        ('"skyddat boende" "x', '"skyddat boende" x'),
        ("(a OR b", "a OR b"),
        ("(a OR b) AND (c", "(a OR b) AND c"),
        ("AND", ""),
        ("OR a", "a"),
        ("a NOT b", "a ANDNOT b"),
        ("NOT a", "a"),
        ("a AND OR b", "a OR b"),
        ("*", ""),
        ("??*", ""),
        ("skol*", "skol"),
        ("[a TO z]", ""),
        ("title:x", "x"),
        ("created:[2024-02-30 TO 2024]", ""),
        ("a\x00b", "a b"),
        ("\ud800", ""),
        ("o\u0308", "ö"),
        ("()", ""),
        ("a ANDMAYBE b", "a ANDMAYBE b"),
    ],
)
def test_normalise_query(raw, expected):
    assert normalise_query(raw) == expected


def test_normalise_query_caps_length_and_terms():
    assert len(normalise_query("x" * 80_000)) <= 200
    assert normalise_query(" ".join(f"ord{i}" for i in range(30))).split() == [f"ord{i}" for i in range(12)]
    assert normalise_query(normalise_query('(a OR "b c") NOT d')) == '(a OR "b c") ANDNOT d'


def test_update_and_delete(fresh_index):
    fresh_index.search("skola")
    fresh_index.update(make("ny", "Ny artikel", "Helt nytt ord: zebrafink.", ["other"]))
    assert slugs(fresh_index.search("zebrafink")) == ["ny"]
    fresh_index.update(make("ny", "Ny artikel", "Nu handlar den om kanariefågel.", ["other"]))
    assert fresh_index.search("zebrafink").total == 0
    assert slugs(fresh_index.search("kanariefågel")) == ["ny"]
    assert fresh_index.delete("ny") is True
    assert fresh_index.delete("ny") is False
    assert fresh_index.search("kanariefågel").total == 0
    assert fresh_index.status()["documents"] == len(CORPUS)
    fresh_index.update(make("hemlig", "Hemlig", "Ordet zebrafink igen.", visibility="internal"))
    assert fresh_index.search("zebrafink").total == 0
    assert fresh_index.search("zebrafink", include_internal=True).total == 1


def test_time_limit_gives_results_not_errors(tmp_path):
    ix = SearchIndex(tmp_path, time_limit=0.0)
    ix.build(CORPUS)
    results = ix.search("riskbedömning skola barn")
    assert isinstance(results, SearchResults)
    assert results.total <= 3 + 4
    ix.close()


def _update_in_child(directory, slug, word, barrier):
    barrier.wait()
    SearchIndex(directory, lock_timeout=30).update(make(slug, f"Artikel {slug}", f"Ordet {word} finns här."))


def test_concurrent_updates_from_two_processes_both_land(fresh_index):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    words = {"process-a": "albatross", "process-b": "bofink"}
    children = [
        context.Process(target=_update_in_child, args=(str(fresh_index.root), slug, word, barrier))
        for slug, word in words.items()
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    for slug, word in words.items():
        assert slugs(fresh_index.search(word)) == [slug]
    assert fresh_index.status()["documents"] == len(CORPUS) + 2


def test_rebuild_is_atomic_for_readers(fresh_index):
    reader = SearchIndex(fresh_index.root)
    errors: list[BaseException] = []
    totals: list[int] = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                totals.append(reader.search("riskbedömning").total)
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for round_ in range(6):
            extra = [make(f"extra-{round_}-{i}", f"Extra {round_} {i}", "Fyllnadstext.") for i in range(20)]
            fresh_index.build(CORPUS + extra)
    finally:
        stop.set()
        thread.join()
    reader.close()
    assert not errors
    assert totals and set(totals) == {3}
    builds = [p for p in fresh_index.root.iterdir() if p.name.startswith("build-")]
    assert len(builds) == 2, "the current and the previous build are kept"


def test_reader_survives_rebuilds_between_searches(fresh_index):
    reader = SearchIndex(fresh_index.root)
    assert reader.search("hud").total == 1
    fresh_index.build([make("enda", "Enda", "Bara hud här.")])
    fresh_index.build([make("enda", "Enda", "Bara hud här."), make("andra", "Andra", "Också hud.")])
    assert reader.search("hud").total == 2
    reader.close()


def test_failed_build_keeps_the_old_index(fresh_index):
    def broken():
        yield CORPUS[0]
        raise RuntimeError("databasen försvann")

    with pytest.raises(RuntimeError):
        fresh_index.build(broken())
    assert fresh_index.status()["documents"] == len(CORPUS)
    assert len([p for p in fresh_index.root.iterdir() if p.name.startswith("build-")]) == 1
    with pytest.raises(ValueError, match="flera gånger"):
        fresh_index.build([CORPUS[0], CORPUS[0]])


def test_schema_version_mismatch_needs_rebuild(fresh_index, monkeypatch):
    monkeypatch.setattr(search_module, "SCHEMA_VERSION", search_module.SCHEMA_VERSION + 1)
    reader = SearchIndex(fresh_index.root)
    status = reader.status()
    assert status["ok"] is False
    assert status["needs_rebuild"] is True
    assert status["schema_version"] == search_module.SCHEMA_VERSION - 1
    assert "schemaversion" in status["error"]
    with pytest.raises(IndexNeedsRebuild):
        reader.search("skola")
    with pytest.raises(IndexUnavailable):
        reader.update(CORPUS[0])
    reader.build(CORPUS)
    assert reader.status()["ok"] is True
    reader.close()


def test_missing_index(tmp_path):
    ix = SearchIndex(tmp_path / "finns-inte")
    status = ix.status()
    assert status["ok"] is False
    assert status["documents"] == 0
    assert status["error"]
    with pytest.raises(IndexUnavailable):
        ix.search("skola")
    with pytest.raises(IndexUnavailable):
        ix.update(CORPUS[0])
    with pytest.raises(IndexUnavailable):
        ix.delete("skola")


@pytest.mark.parametrize("damage", ["pointer", "meta", "segments"])
def test_unreadable_index_reports_not_ok(fresh_index, damage):
    build = fresh_index.root / (fresh_index.root / "CURRENT").read_text()
    if damage == "pointer":
        (fresh_index.root / "CURRENT").write_text("build-borta")
    elif damage == "meta":
        (build / "meta.json").write_text("{inte json")
    else:
        for path in build.iterdir():
            if path.name != "meta.json":
                path.unlink()
    reader = SearchIndex(fresh_index.root)
    status = reader.status()
    assert status["ok"] is False and status["error"]
    with pytest.raises(IndexUnavailable):
        reader.search("skola")
    fresh_index.build(CORPUS)
    assert reader.status()["ok"] is True
    reader.close()


def test_meta_records_schema_version(fresh_index):
    build = fresh_index.root / (fresh_index.root / "CURRENT").read_text()
    meta = json.loads((build / "meta.json").read_text())
    assert meta["schema_version"] == search_module.SCHEMA_VERSION


# Swedish compounds, question words, abbreviations and synonym groups -------------------------


def test_split_compound_into_known_words():
    known = {"heder", "vald", "tjej", "tonar", "polis", "forhor"}.__contains__
    assert search_module.split_compound("hedersvåld", known) == ("heders", "våld")
    assert search_module.split_compound("polisförhör", known) == ("polis", "förhör")
    assert search_module.split_compound("tonårstjej", known) == ("tonårs", "tjej")
    assert search_module.split_compound("kort", known) is None
    assert search_module.split_compound("okändaordet", known) is None


def test_unknown_compound_finds_its_parts(fresh_index):
    fresh_index.update(make("heder", "Hedersrelaterat våld", "Om heder och våld i familjen."))
    assert "heder" in slugs(fresh_index.search("hedersvåld"))


def test_question_words_are_not_search_terms():
    assert search_module.analyse("vad gör jag, ska vi") == ()
    assert search_module.analyse("måste man egentligen") == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("kan man lvu:a henne", "kan man lvu henne"), ("SoL:s regler", "SoL regler"), ("BUP:en", "BUP")],
)
def test_abbreviation_endings_keep_the_abbreviation(raw, expected):
    assert normalise_query(raw) == expected


def test_a_synonym_group_counts_as_one_term():
    # The best alternative counts, not the sum, and only for the document the matchers are on.
    from whoosh.matching import ListMatcher

    matcher = search_module._DisMaxMatcher(ListMatcher([1, 3], [2.0, 5.0]), ListMatcher([1, 2], [4.0, 1.0]))
    scores = []
    while matcher.is_active():
        scores.append((matcher.id(), matcher.score()))
        matcher.next()
    assert scores == [(1, 4.0), (2, 1.0), (3, 5.0)]


# Term-at-a-time scoring, cached analysis ------------------------------------------------------

PARITY_QUERIES = [
    "riskbedömning",
    "riskbedömning skola barn",
    "FGM",
    "skyddsboende socialnämnden",
    "LVU vård unga",
    "hedersnormer kontroll flickors",
    '"skyddat boende" OR polisen',
    "riskbedömning NOT skolan",
    "riskbedömning AND vården",
    "(oro OR polis) anmälan",
    "tvångsgifte sommarlovet resa",
    "könsstympning utomlands förbjuden",
]


@pytest.mark.parametrize("query", PARITY_QUERIES)
def test_scores_equal_whooshs_own_matchers(index, query):
    """The term-at-a-time evaluation gives every document the score Whoosh's matchers give it.

    Compared with a top-N search collecting the matched terms, as the app's collector did: without
    terms=True Whoosh preloads plain ORs into array matchers, which changes the coordination term count.
    """
    from knowledge.query import lex

    searcher = index._searcher()
    generation = index._generation(searcher)
    q = index._parse(lex(query), searcher)
    expected = {hit.docnum: hit.score for hit in searcher.search(q, limit=len(CORPUS) + 10, terms=True)}
    got = generation.matches(q)
    assert expected and set(expected) <= set(got)
    for docnum, score in expected.items():
        assert got[docnum] == pytest.approx(score, rel=1e-9)


def _results(ix, query, **options):
    results = ix.search(query, **options)
    return (results.total, results.facets, results.suggestion, results.corrected_from,
            [(hit.slug, round(hit.score, 9), hit.snippet_html) for hit in results.hits])


@pytest.fixture
def no_private_internals(monkeypatch):
    """Whoosh's private posting internals, as the term-at-a-time scorer reads them, made to fail."""
    from knowledge import scoring

    def refuse(*_args, **_kwargs):
        raise AssertionError("Whoosh's private matcher internals were read")

    for name in ("_blocks", "_seek"):
        monkeypatch.setattr(scoring, name, refuse)
    monkeypatch.setattr(scoring.SegmentScorer, "evaluate", refuse)
    monkeypatch.setattr(scoring.SegmentScorer, "term_values", refuse)


@pytest.mark.parametrize("query", [*PARITY_QUERIES, "tvångsgiftet", "riskbedömnig", "hedersvald skolan"])
def test_whooshs_collector_gives_the_same_results_without_private_internals(index, query, request):
    """The fallback (fast_scoring=False) finds, ranks, counts, highlights and corrects alike."""
    expected = [_results(index, query), _results(index, query, topic="school", page=1, pagelen=3),
                _results(index, query, forgive=True)]
    request.getfixturevalue("no_private_internals")
    collector = SearchIndex(index.root, fast_scoring=False)
    try:
        got = [_results(collector, query), _results(collector, query, topic="school", page=1, pagelen=3),
               _results(collector, query, forgive=True)]
    finally:
        collector.close()
    assert expected[2][0] > 0  # found, or forgiven and found
    assert got == expected


def test_the_environment_switches_to_whooshs_collector(index, monkeypatch, no_private_internals):
    with pytest.raises(AssertionError, match="private"):
        SearchIndex(index.root).search("riskbedömning skola barn")
    monkeypatch.setenv("KNOWLEDGE_FAST_SCORING", "0")
    collector = SearchIndex(index.root)
    assert collector.fast_scoring is False
    assert slugs(collector.search("riskbedömning skola barn"))
    collector.close()


def test_cached_analyzer_gives_the_chains_tokens():
    from knowledge.render import plain_text

    analyzer = search_module.make_schema()["body"].analyzer
    chain = search_module.swedish_analyzer()
    texts = [a.title + "\n" + a.summary + "\n" + plain_text(a.body) for a in CORPUS]
    texts += ["LVU:a  ÖSTERGÖTLAND x.y.z 3.5 och i en", "lagen med särskilda bestämmelser om vård av unga", "", "a"]
    for text in texts:
        for kwargs in ({"positions": True, "chars": True}, {"positions": True, "mode": "query"}, {}):
            def tokens(tokenstream, kwargs=kwargs):
                positions, chars = kwargs.get("positions"), kwargs.get("chars")
                return [
                    (t.text, t.pos if positions else None, (t.startchar, t.endchar) if chars else None)
                    for t in tokenstream
                ]

            assert tokens(analyzer(text, **kwargs)) == tokens(chain(text, **kwargs)), text


def test_spelling_words_rank_like_whoosh():
    words = search_module.SpellingWords({"könsstympning": 3, "könsstympningar": 1, "kurator": 5, "skola": 9})
    assert words.suggest("könstympning") == "könsstympning"
    assert words.suggest("kurrator") == "kurator"
    assert words.suggest("skolla") == "skola"
    assert words.suggest("xqzvw") is None
    assert words.suggest("ksola") is None  # the first letter must match


# --- a search that forgives ----------------------------------------------------------------------

FORGIVING = [
    *CORPUS,
    make("tvang", "Tvångsäktenskap", "Tvångsäktenskap är ett brott. Prata med den unga i enrum.",
         topics=["legislation"], audiences=["school", "social_services"]),
    make("hjalp", "Så använder du kunskapsbanken", "Sök med vardagliga ord om tvångsäktenskap och skola.",
         topics=["help"], audiences=["school", "social_services"]),
    make("forsta-steg-skola", "Första steg för skolan", "Lyssna på eleven.", topics=["school"],
         audiences=["school"]),
    make("skola-bred", "Alla myndigheters ansvar", "Skolan och andra.", topics=["cooperation"],
         audiences=["school", "social_services", "health"]),
]


@pytest.fixture(scope="module")
def forgiving(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("forgiving"))
    ix.build(FORGIVING)
    return ix


def test_a_query_without_hits_gets_its_suggestions_results(forgiving):
    strict = forgiving.search("tvångsäktenskapp")
    assert strict.total == 0 and strict.suggestion == "tvångsäktenskap"
    forgiven = forgiving.search("tvångsäktenskapp", forgive=True)
    assert slugs(forgiven)[0] == "tvang" and "hjalp" not in slugs(forgiven)
    assert forgiven.corrected_from == "tvångsäktenskapp" and forgiven.query == "tvångsäktenskap"
    # A query with hits is never replaced.
    assert forgiving.search("tvångsäktenskap", forgive=True).corrected_from is None


def test_an_english_question_is_searched_with_the_words_the_guidance_knows(forgiving):
    results = forgiving.search("what should I do if tvångsäktenskap is planned", forgive=True)
    assert results.foreign and results.suggestion is None and results.corrected_from is None
    assert slugs(results)[0] == "tvang"
    # Nothing the guidance knows: no hits and no suggestion built from English words.
    nothing = forgiving.search("what should I do if my student is forced to marry")
    assert nothing.foreign and nothing.total == 0 and nothing.suggestion is None
    # Swedish with an English-looking word stays Swedish.
    assert not forgiving.search("vad gör jag om eleven ska giftas bort").foreign


def test_help_pages_are_results_only_when_asked_for_by_title(forgiving):
    assert "hjalp" not in slugs(forgiving.search("tvångsäktenskap skola"))
    assert forgiving.search("tvångsäktenskap").facets["topics"].get("help") is None
    assert slugs(forgiving.search("använder kunskapsbanken"))[0] == "hjalp"
    assert slugs(forgiving.search("Så använder du kunskapsbanken"))[0] == "hjalp"
    assert slugs(forgiving.search("", topic="help")) == ["hjalp"]


def test_an_audience_lists_first_steps_first_then_the_most_specific(forgiving):
    listed = slugs(forgiving.search("", audience="school", pagelen=20))
    assert listed[0] == "forsta-steg-skola"
    assert listed.index("sommarlov") < listed.index("skola-bred")  # one audience before three
