"""/statistik, the downloads, the quarterly report, the CLI export and bad input."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from supportline.audit.models import AuditEvent
from supportline.extensions import db
from supportline.stats.suppression import RULE_TEXT
from tests.stats.conftest import Q1_2025

ROLES = ["handler", "editor", "coordinator", "admin"]
PAGES = ["/statistik", "/statistik/export?format=xlsx", "/statistik/kvartalsrapport", "/admin/resurscentrum/"]


@pytest.mark.parametrize("path", PAGES)
def test_statistics_pages_are_for_coordinators_and_admins(client, login_as, path):
    assert client.get(path).status_code == 302  # to the login page
    for role, status in (("handler", 403), ("editor", 403)):
        login_as(role)
        assert client.get(path).status_code == status
    login_as("coordinator")
    assert client.get(path).status_code == 200


def test_the_page_shows_charts_tables_and_rates(client, login_as, seeded):
    login_as("coordinator")
    html = client.get("/statistik", query_string=Q1_2025).get_data(as_text=True)
    assert 'role="img"' in html and "<title id=\"chart-timeline-title\">Ärenden per månad</title>" in html
    assert "<th scope=\"row\">Stockholms län</th><td class=\"num\">12</td>" in html
    assert "<td class=\"num\">4,9</td>" in html  # Gotland per 100,000, with a decimal comma
    assert "Ett år tidigare" in html
    assert "style=" not in html  # the CSP allows no inline styles


@pytest.mark.parametrize("args,message", [
    ({"period": "custom", "from": "2025-05-01", "to": "2025-01-01"}, "är före startdatumet"),
    ({"period": "custom", "from": "0001-01-01", "to": "2025-01-01"}, "datumet måste ligga mellan"),
    ({"period": "custom", "from": "2025-01-01", "to": "99999-01-01"}, "är inget datum"),
    ({"period": "custom", "from": "igår", "to": "2025-01-01"}, "är inget datum"),
    ({"period": "custom"}, "ange ett datum"),
    ({"period": "decennium"}, "Välj en av perioderna"),
    ({**Q1_2025, "county": "99"}, "Länskoden ”99” finns inte"),
    ({**Q1_2025, "sector": "bank"}, "Verksamheten ”bank” finns inte"),
])
def test_bad_input_gets_a_swedish_message_on_the_field(client, login_as, args, message):
    login_as("coordinator")
    for path in ("/statistik", "/statistik/export"):
        response = client.get(path, query_string=args)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in html and 'class="field-error"' in html and 'aria-invalid="true"' in html


def test_an_empty_period_and_thirty_years_render(client, login_as, seeded):
    login_as("coordinator")
    empty = client.get("/statistik", query_string={"period": "custom", "from": "2016-01-01", "to": "2016-02-01"})
    assert empty.status_code == 200
    assert "Inga ärenden togs emot under perioden" in empty.get_data(as_text=True)
    long = client.get("/statistik", query_string={"period": "custom", "from": "1996-01-01", "to": "2025-12-31"})
    assert long.status_code == 200 and "Ärenden per år" in long.get_data(as_text=True)
    for fmt in ("xlsx", "csv"):
        assert client.get("/statistik/export", query_string={"period": "custom", "from": "2016-01-01",
                                                              "to": "2016-02-01", "format": fmt}).status_code == 200


def _rows(ws) -> dict:
    """First column -> the other cells, for rows with at least two cells."""
    return {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if len(r) > 1 and r[0]}


def test_xlsx_download_is_suppressed_and_audited(app, client, login_as, seeded):
    user = login_as("coordinator")
    response = client.get("/statistik/export", query_string={**Q1_2025, "format": "xlsx"})
    assert response.status_code == 200
    assert "stodtelefonen-statistik-2025-01-01-2025-03-31.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert wb.sheetnames[:3] == ["Om filen", "Sammanfattning", "Per månad"]
    about = {k: v[0] for k, v in _rows(wb["Om filen"]).items()}
    assert about["Period"].startswith("2025-01-01 – 2025-03-31")
    assert about["Röjandeskydd"] == RULE_TEXT and about["Skapad"]
    sector = _rows(wb["Verksamhet"])
    # 1 without a sector is "<5"; 9 in school would give it away as 22 - 12 - 9, so it is "x"
    assert sector["Uppgift saknas"][0] == "<5" and sector["Skola"][0] == "x"
    assert sector["Socialtjänst"][0] == 12 and sector["Totalt"][0] == 22
    assert sector["Skola"][1] == "–"  # no share for a hidden cell
    county = _rows(wb["Län"])
    assert county["Gotlands län"][:3] == ("<5", "–", "–") and county["Stockholms län"][:3] == (12, 54.5, 0.5)
    summary = {k: v[0] for k, v in _rows(wb["Sammanfattning"]).items()}
    assert summary["Antal ärenden"] == 22 and summary["Andel ärenden som rör barn (under 18 år), %"] == 68.2
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stats.export")).one()
        assert event.user_id == user.id and '"format": "xlsx"' in event.detail


def test_cli_exports_csv_zip_and_xlsx(app, runner, seeded, tmp_path):
    out = tmp_path / "q1.zip"
    result = runner.invoke(args=["stats", "export", "--from", "2025-01-01", "--to", "2025-03-31", "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "22 ärenden" in result.output
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[0] == "01-om-filen.csv" and "09-verksamhet.csv" in names
        text = zf.read("09-verksamhet.csv").decode("utf-8-sig")
        county = zf.read("04-lan.csv").decode("utf-8-sig").splitlines()
    lines = text.splitlines()
    assert lines[1].startswith("Period;2025-01-01 – 2025-03-31") and lines[2].startswith("Skapad;")
    assert "Uppgift saknas;<5;–" in lines and "Skola;x;–" in lines and "Totalt;22;" in lines
    # shares and rates with a decimal comma and no thousands separator: Swedish Excel reads them as numbers
    assert "Stockholms län;12;54,5;0,5;Nej" in county
    xlsx = tmp_path / "q1.xlsx"
    assert runner.invoke(args=["stats", "export", "--from", "2025-01-01", "--to", "2025-03-31", "--format", "xlsx",
                               "--out", str(xlsx)]).exit_code == 0
    assert len(openpyxl.load_workbook(xlsx, read_only=True).sheetnames) == 23


@pytest.mark.parametrize("args,message", [
    (["--from", "2025-03-01", "--to", "2025-01-01"], "är före startdatumet"),
    (["--from", "2025-01-01", "--to", "2025-03-31", "--county", "77"], "Länskoden"),
    (["--from", "nej", "--to", "2025-03-31"], "är inget datum"),
])
def test_cli_refuses_bad_input(runner, tmp_path, args, message):
    result = runner.invoke(args=["stats", "export", *args, "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")])
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_quarterly_report_is_suppressed(client, login_as, seeded):
    login_as("coordinator")
    html = client.get("/statistik/kvartalsrapport?ar=2025&kvartal=1").get_data(as_text=True)
    assert "kvartalsrapport 2025, kvartal 1" in html
    assert "<th scope=\"row\">Gotlands län</th><td class=\"num\">&lt;5</td>" in html
    assert RULE_TEXT.split(":")[0] in html
    bad = client.get("/statistik/kvartalsrapport?ar=20255&kvartal=9")
    assert bad.status_code == 302


def test_xlsx_cells_hold_numbers_with_a_number_format(client, login_as, seeded):
    """A share is the number 54.5 shown by Excel as "54,5" in Swedish, never the text "54,5"."""
    login_as("coordinator")
    response = client.get("/statistik/export", query_string={**Q1_2025, "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    ws = wb["Län"]
    row = next(r for r in ws.iter_rows() if r[0].value == "Stockholms län")
    count, share, rate = row[1], row[2], row[3]
    assert (count.value, count.number_format) == (12, "#,##0")
    assert (share.value, share.number_format) == (54.5, "#,##0.0")
    assert (rate.value, rate.number_format) == (0.5, "#,##0.0")
    texts = [c.value for ws in wb.worksheets for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert not [t for t in texts if t.replace(",", "").replace("\u202f", "").isdigit()]
