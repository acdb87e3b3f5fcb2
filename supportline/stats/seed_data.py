"""The resource-centre directory's starting point: what could be confirmed from the centres' own
pages and the county boards' pages, checked on 2026-12-06.

Pure data plus one SQLAlchemy Core function (no Flask, no app imports), so the migration and
`supportline demo seed` / `stats seed-centres` write the same rows the same way.

What the sources did not say is left empty (no phone number, opening hours or municipality list
is guessed) and shown on the public page as not confirmed. The decision A2025/01207 counts 16
government-funded centres in 13 of 21 counties; the sources checked name centres in nine counties,
so a county listed here without a centre may still have one: those rows stay "needs verification".
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

VERIFIED_ON = dt.date(2026, 12, 6)

COUNTY_NAMES = {
    "01": "Stockholms län", "03": "Uppsala län", "04": "Södermanlands län", "05": "Östergötlands län",
    "06": "Jönköpings län", "07": "Kronobergs län", "08": "Kalmar län", "09": "Gotlands län", "10": "Blekinge län",
    "12": "Skåne län", "13": "Hallands län", "14": "Västra Götalands län", "17": "Värmlands län",
    "18": "Örebro län", "19": "Västmanlands län", "20": "Dalarnas län", "21": "Gävleborgs län",
    "22": "Västernorrlands län", "23": "Jämtlands län", "24": "Västerbottens län", "25": "Norrbottens län",
}

NONE_NOTE = ("Inget resurscentrum hittades i de källor som kontrollerades 2026-12-06 (länsstyrelsernas och "
             "centrumens egna sidor). Beslutet A2025/01207 räknar 16 centrum i 13 av 21 län, men katalogen "
             "känner bara till nio län: länet kan ha ett centrum som inte är verifierat.")

# One entry per centre. Empty text = the sources did not say. `needs_verification` stays true
# where the newest source is old or only describes a project, so the centre's present state is
# not confirmed.
CENTRES: list[dict] = [
    {
        "seed_key": "03-lanscentrum-heder", "county_code": "03",
        "name": "Länscentrum mot hedersrelaterat våld och förtryck, Uppsala län",
        "host_organisation": "Uppsala kommun (huvudman); finansieras av Länsstyrelsen i Uppsala län under projekttiden",
        "status": "developing", "since": None, "whole_county": True, "municipality_codes": "",
        "offers": ("Stöd från socialtjänst, polis och hälso- och sjukvård till utsatta i alla åldrar; utbildning "
                   "och vägledning för yrkesverksamma i hela länet. Styrs av länsstyrelsen, länets kommuner, "
                   "Polismyndigheten och Region Uppsala."),
        "website": "", "phone": "", "hours": "",
        "sources": ("https://www.uppsala.se/kommun-och-politik/nyheter-och-pressmeddelanden/2024/"
                    "nytt-centrum-mot-hedersrelaterat-vald-och-fortryck/"),
        "needs_verification": True,
        "note": ("Källan (Uppsala kommun, 2024) säger att centrumet startar i början av 2025. Att det är i gång, "
                 "namn, telefon och öppettider kunde inte bekräftas."),
    },
    {
        "seed_key": "07-resurscentrum-heder", "county_code": "07",
        "name": "Resurscentrum mot hedersrelaterat våld och förtryck, Kronobergs län",
        "host_organisation": "Växjö kommun (huvudman)",
        "status": "established", "since": dt.date(2020, 1, 30), "whole_county": True, "municipality_codes": "",
        "offers": ("Mobilt kompetenscentrum: stöd till yrkesverksamma som möter utsatta (konsultation i ärenden, "
                   "utbildning). Byggt i samverkan mellan länets samtliga kommuner, Region Kronoberg och "
                   "Polismyndigheten."),
        "website": "", "phone": "", "hours": "",
        "sources": ("https://www.lansstyrelsen.se/kronoberg/om-oss/nyheter-och-press/arkiv-nyheter-2020/"
                    "2020-01-29-start-for-myndighetsgemensamt-resurscentrum-mot-hedersrelaterat-vald-och-fortryck.html"),
        "needs_verification": False,
        "note": "Pilotlän 2018–2020. Egen webbsida, telefon och öppettider hittades inte.",
    },
    {
        "seed_key": "12-resurscentrum-heder-skane", "county_code": "12",
        "name": "Resurscentrum Heder Skåne",
        "host_organisation": ("Länsstyrelsen Skåne med Skånes Kommuner, Region Skåne, Polismyndigheten och "
                              "Åklagarmyndigheten; konsultationerna ges via Malmö stad"),
        "status": "established", "since": dt.date(2023, 1, 20), "whole_county": True, "municipality_codes": "",
        "offers": ("Kostnadsfria konsultationer för yrkesverksamma i de skånska kommunerna (från 2023-10-01): "
                   "stöd i enskilda ärenden, råd vid risk- och skyddsbedömning, förhållningssätt och rutiner."),
        "website": "", "phone": "", "hours": "",
        "sources": ("https://www.lansstyrelsen.se/skane/om-oss/nyheter-och-press/nyheter---skane/"
                    "2023-09-29-gratis-stod-till-skanska-kommuner-om-hedersrelaterat-vald.html\n"
                    "https://www.lansstyrelsen.se/skane/om-oss/nyheter-och-press/nyheter---skane/"
                    "2024-04-25-lyckad-satsning-mot-hedersrelaterat-vald.html"),
        "needs_verification": False,
        "note": ("Överenskommelsen undertecknades 2023-01-20. Kontaktväg, telefon och öppettider för "
                 "konsultationerna hittades inte."),
    },
    {
        "seed_key": "14-regionalt-stodcentrum-heder", "county_code": "14",
        "name": "Regionalt stödcentrum heder",
        "host_organisation": "Göteborgs Stad (Socialförvaltningen Centrum)",
        "status": "established", "since": dt.date(2022, 1, 17), "whole_county": False,
        # Göteborg and the ten municipalities the city's page names; Kungsbacka is in Hallands län.
        "municipality_codes": "1480 1401 1384 1419 1415 1402 1481 1407 1489 1441 1482",
        "offers": ("Råd, stöd och information till utsatta oavsett ålder och kön, samtalsstöd under längre tid, "
                   "vägledning till yrkesverksamma och kompetensutveckling. Samverkan med Polismyndigheten "
                   "region Väst och Västra Götalandsregionen."),
        "website": "https://goteborg.se/wps/portal/enhetssida/regionalt-stodcentrum-heder/om-oss",
        "phone": "", "hours": "",
        "sources": ("https://goteborg.se/wps/portal/enhetssida/regionalt-stodcentrum-heder/om-oss\n"
                    "https://vartgoteborg.se/ovrigt/regionalt-stodcentrum-heder-oppnar-i-goteborg/"),
        "needs_verification": False,
        "note": ("Pilotlän 2018–2020. Öppnade 2022-01-17. Telefon och öppettider finns inte i de sparade "
                 "källorna; resten av länet omfattas inte enligt sidan."),
    },
    {
        "seed_key": "19-cmhv", "county_code": "19",
        "name": "Centrum mot hedersrelaterat våld (CMHV)",
        "host_organisation": "Västerås stad, Centrum mot våld (huvudman); projekt drivet av Länsstyrelsen Västmanland",
        "status": "established", "since": dt.date(2023, 9, 29), "whole_county": True, "municipality_codes": "",
        "offers": ("Stöd och hjälp till utsatta som bor i länet, även anonymt; råd, stöd och vägledning i enskilda "
                   "ärenden för yrkesverksamma. Samverkan mellan länets kommuner, Region Västmanland, "
                   "polisområde Västmanland och Åklagarmyndigheten."),
        "website": "", "phone": "", "hours": "",
        "sources": ("https://www.lansstyrelsen.se/vastmanland/om-oss/nyheter-och-press/nyheter---vastmanland/"
                    "2023-09-28-nytt-centrum-mot-hedersrelaterat-vald-och-fortryck-i-vastmanland.html\n"
                    "https://koping.se/nyheter/2023-10-06-vi-ar-del-i-nya-centrum-mot-hedersrelaterat-vald.html"),
        "needs_verification": False,
        "note": "Egen webbsida, telefon och öppettider hittades inte i de sparade källorna.",
    },
    {
        "seed_key": "20-resurscentrum-dalarna", "county_code": "20",
        "name": "Resurscentrum mot hedersrelaterat våld och förtryck, Dalarnas län",
        "host_organisation": "Länsstyrelsen Dalarna (leder uppbyggnaden)",
        "status": "developing", "since": None, "whole_county": False, "municipality_codes": "",
        "offers": ("Planerat: stöd till barn och vuxna, kompetenshöjande insatser för yrkesverksamma, samverkan "
                   "mellan bland andra polis, socialtjänst och åklagare."),
        "website": "", "phone": "", "hours": "",
        "sources": ("https://www.lansstyrelsen.se/dalarna/om-oss/nyheter-och-press/aktuella-nyheter/"
                    "nyheter---dalarna/2022-10-05-hedersrelaterat-vald-och-fortryck-nytt-resurscentra-pa-gang-i-dalarna.html"),
        "needs_verification": True,
        "note": ("Källan (2022) beskriver planeringen. Om centrumet är i gång, dess namn och kontakt kunde "
                 "inte bekräftas."),
    },
    {
        "seed_key": "21-resurscentra-gavleborg", "county_code": "21",
        "name": "Resurscentra Gävleborg",
        "host_organisation": "Länsstyrelsen Gävleborg (pilotlän 2018–2020)",
        "status": "established", "since": None, "whole_county": False, "municipality_codes": "",
        "offers": ("Under piloten: HRV-koordinator och operativt team, stödmaterial och en lista över "
                   "stödfunktioner för yrkesverksamma i länets tio kommuner."),
        "website": "", "phone": "", "hours": "",
        "sources": ("https://www.lansstyrelsen.se/gavleborg/samhalle/social-hallbarhet/jamstalldhet/"
                    "mans-vald-mot-kvinnor/regionala-resurscentra-for-valdsutsatta.html"),
        "needs_verification": True,
        "note": "Källan beskriver piloten 2018–2020. Nuvarande verksamhet, värd och kontakt kunde inte bekräftas.",
    },
    {
        "seed_key": "22-rch-vasternorrland", "county_code": "22",
        "name": "Resurscentrum mot hedersrelaterat våld och förtryck (RCH-pilot), Västernorrland",
        "host_organisation": "Länets kommuner, Regionen, Polisen och Åklagarmyndigheten i samverkan",
        "status": "developing", "since": dt.date(2021, 7, 1), "whole_county": True, "municipality_codes": "",
        "offers": ("Länsgemensamma rutiner, samråd och konsultation i ärenden; stöd till yrkesverksamma via den "
                   "digitala plattformen Västernorrland mot våld."),
        "website": "https://vasternorrlandmotvald.se/", "phone": "", "hours": "",
        "sources": "https://vasternorrlandmotvald.se/\nhttps://kfvn.se/projekt/aktuella-projekt/vasternorrland-mot-vald/",
        "needs_verification": True,
        "note": "Projekt sedan 2021-07-01. Om piloten blivit ordinarie verksamhet kunde inte bekräftas.",
    },
    {
        "seed_key": "25-una-norrbotten", "county_code": "25",
        "name": "Una Norrbotten – regionalt kompetensteam mot våld och hedersrelaterat förtryck",
        "host_organisation": "Luleå kommun (samordnar)",
        "status": "established", "since": None, "whole_county": True, "municipality_codes": "",
        "offers": ("Stöd och vägledning till yrkesverksamma och civilsamhället i länet: samråd, rådgivning, "
                   "digitala utbildningar och erfarenhetsutbyte."),
        "website": "https://www.samverkanmotvald.se/hedersrelaterat-fortryck-och-vald/", "phone": "", "hours": "",
        "sources": ("https://www.lansstyrelsen.se/norrbotten/om-oss/nyheter-och-press/nyheter---norrbotten/"
                    "2020-10-12-jamstalldhetsminister-asa-lindhagen-besokte-verksamheter-for-valdsutsatta-i-lulea.html\n"
                    "https://www.samverkanmotvald.se/hedersrelaterat-fortryck-och-vald/"),
        "needs_verification": True,
        "note": "Pilotlän 2018–2020. Källorna är från 2020–2021; nuvarande form och kontakt kunde inte bekräftas.",
    },
]

EMPTY = {"website": "", "phone": "", "hours": "", "offers": "", "municipality_codes": "", "sources": "",
         "host_organisation": "", "name": "", "whole_county": False, "since": None}


def seed_rows() -> list[dict]:
    """Every centre above, and one "no centre found" row for each other county, so the
    directory always covers all 21 counties."""
    rows = [{**EMPTY, **c, "verified_on": VERIFIED_ON} for c in CENTRES]
    covered = {c["county_code"] for c in CENTRES}
    rows += [{**EMPTY, "seed_key": f"{code}-inget", "county_code": code, "status": "none",
              "needs_verification": True, "note": NONE_NOTE, "verified_on": None}
             for code in COUNTY_NAMES if code not in covered]
    order = list(COUNTY_NAMES)
    return sorted(rows, key=lambda r: order.index(r["county_code"]))


def apply_seed(conn: sa.Connection, now: dt.datetime) -> dict[str, int]:
    """Write the seed rows, idempotently. A row is written only while it still holds seed
    content (`seeded`): once a coordinator has saved it, it is theirs and is never overwritten.
    A seed entry without a row of its own takes over its county's untouched rows of the first
    directory (migration 0005) or inserts one; a county a coordinator has already edited gets
    no second row from the seed. Returns counts of inserted, updated, unchanged and kept (a coordinator's) rows."""
    text, flag, day = sa.Text(), sa.Boolean(), sa.Date()
    table = sa.table("resource_centres", sa.column("id", sa.Integer()), *(sa.column(n, t) for n, t in (
        ("county_code", text), ("name", text), ("host_organisation", text), ("contact", text), ("status", text),
        ("since", day), ("needs_verification", flag), ("note", text), ("updated_at", sa.DateTime()),
        ("updated_by_id", sa.Integer()), ("municipality_codes", text), ("whole_county", flag), ("offers", text),
        ("website", text), ("phone", text), ("hours", text), ("sources", text), ("verified_on", day),
        ("seed_key", text), ("seeded", flag))))
    counts = {"inserted": 0, "updated": 0, "unchanged": 0, "kept": 0}
    existing = conn.execute(sa.select(table)).all()
    by_key = {r.seed_key: r for r in existing if r.seed_key}
    claimed: set[int] = set()
    for row in seed_rows():
        values = {**row, "contact": "", "seeded": True, "updated_at": now, "updated_by_id": None}
        mine = by_key.get(row["seed_key"])
        if mine is None:
            county_rows = [r for r in existing if r.county_code == row["county_code"] and r.id not in claimed]
            if any(not r.seeded for r in county_rows):
                counts["kept"] += 1  # a coordinator keeps this county; the seed adds nothing beside it
                continue
            mine = next((r for r in county_rows if r.seed_key is None), None)
            if mine is None:
                conn.execute(sa.insert(table).values(**values))
                counts["inserted"] += 1
                continue
        claimed.add(mine.id)
        if not mine.seeded:
            counts["kept"] += 1
            continue
        if any(getattr(mine, k) != v for k, v in values.items() if k not in ("updated_at", "seed_key")) \
                or mine.seed_key != row["seed_key"]:
            conn.execute(sa.update(table).where(table.c.id == mine.id).values(**values))
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
