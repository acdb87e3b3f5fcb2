from html.parser import HTMLParser

import pytest

from knowledge import internal_links, plain_text, render_markdown


def test_markdown_features():
    body = """\
## Vem ska anmäla?

1. Lärare
2. Kuratorer

| Yrke | Skyldig |
|:-----|--------:|
| Lärare | ja |

Enligt lagen[^1].

[^1]: Socialtjänstlagen (2025:400).
"""
    html = render_markdown(body)
    assert '<h2 id="vem-ska-anmala">Vem ska anmäla?</h2>' in html
    assert "<ol>" in html and "<li>Kuratorer</li>" in html
    assert '<th align="left">Yrke</th>' in html
    assert '<td align="right">ja</td>' in html
    assert 'href="#fn:1"' in html and '<li id="fn:1">' in html
    assert "Tillbaka till fotnot 1" in html


def test_links_are_classified():
    body = (
        "[finns](/kunskap/finns) [saknas](/kunskap/saknas#avsnitt) "
        "[extern](https://www.socialstyrelsen.se/) [mejl](mailto:info@example.org) [sök](/kunskap/sok?q=lvu)"
    )
    html = render_markdown(body, known_slugs={"finns"})
    assert '<a href="/kunskap/finns">finns</a>' in html
    assert '<a class="trasig-lank" href="/kunskap/saknas#avsnitt">saknas</a>' in html
    assert '<a class="extern-lank" href="https://www.socialstyrelsen.se/" rel="noopener noreferrer">extern</a>' in html
    assert '<a href="mailto:info@example.org">mejl</a>' in html
    assert "trasig-lank" not in render_markdown(body)
    assert internal_links(body) == {"finns", "saknas"}


def test_link_prefix_is_configurable():
    assert internal_links("[a](/kb/a) [b](/kunskap/b)", link_prefix="/kb/") == {"a"}
    html = render_markdown("[a](/kb/a)", known_slugs=set(), link_prefix="/kb/")
    assert "trasig-lank" in html


MALICIOUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">klick</a>',
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](  javascript:alert(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![bild](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '![bild](x" onerror="alert(1))',
    '<div onclick="alert(1)">raw</div>',
    "<svg><script>alert(1)</script></svg>",
    "<object data=x></object><embed src=x>",
    "<form action=x><input></form>",
    '<a href="https://ok" onmouseover="alert(1)">x</a>',
]


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("body", MALICIOUS)
def test_malicious_markdown_is_inert(body):
    html = render_markdown(f"Text före.\n\n{body}\n\nText efter.")
    for tag, attrs in elements(html):
        assert tag in {"p", "a", "img", "em", "strong", "code"}, html
        assert not [name for name in attrs if name.startswith("on") or name in ("style", "srcdoc")], html
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), html


def test_raw_html_is_shown_as_text():
    html = render_markdown("Se <b>detta</b> & <script>alert(1)</script>")
    assert "&lt;b&gt;detta&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html


def test_plain_text_strips_markup():
    text = plain_text("## Rubrik\n\nEtt **fetstilt** ord och en [länk](/kunskap/a).\n\n- punkt")
    assert text == "Rubrik\nEtt fetstilt ord och en länk.\npunkt"


def test_fast_plain_text_equals_plain_text_on_the_shipped_articles():
    from pathlib import Path

    from knowledge import load_directory
    from knowledge.render import fast_plain_text

    articles = load_directory(Path(__file__).resolve().parents[2] / "knowledge" / "content")
    fast = [fast_plain_text(article.body) for article in articles]
    assert sum(text is not None for text in fast) >= len(articles) * 0.9
    for article, text in zip(articles, fast, strict=True):
        if text is not None:
            assert text == plain_text(article.body), article.slug


@pytest.mark.parametrize(
    "body",
    [
        "## Rubrik\n\nEtt **fetstilt** ord och en [länk](/kunskap/a).\n\n- punkt",
        "1. **Ett** steg\n2. Två\n   - underpunkt\n   - till\n3. Tre\n\nSlut.",
        "- a\n- b\nfortsättning\n\n1. c\n\n   d",
        "Text\nmed radbrytning\n\n# Rubrik\nDirekt efter.",
        "Text\n- inte en lista",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "Kod `x` och <b>html</b> & mer",
        "Fotnot[^1]\n\n[^1]: Källa",
        "*kursiv* och _kursiv_",
        "Rubrik\n======",
        "    kodblock",
        "[TOC]\n\n## A",
    ],
)
def test_fast_plain_text_equals_plain_text_or_declines(body):
    from knowledge.render import fast_plain_text, index_text

    fast = fast_plain_text(body)
    assert fast is None or fast == plain_text(body)
    assert index_text(body) == plain_text(body)


def test_links_to_site_pages_under_the_prefix_are_not_articles():
    body = "[katalogen](/kunskap/resurscentrum) [sök](/kunskap/sok) [saknas](/kunskap/saknas)"
    html = render_markdown(body, known_slugs={"finns"})
    assert '<a href="/kunskap/resurscentrum">katalogen</a>' in html
    assert '<a href="/kunskap/sok">sök</a>' in html
    assert internal_links(body) == {"saknas"}
