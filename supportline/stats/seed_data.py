"""The resource-centre directory's starting point, from DOMAIN.md. Pure data (no app imports)
so the migration can insert it too. Every row is marked as needing verification: DOMAIN.md's
list is partial (the decision A2025/01207 speaks of 16 centres in 13 of 21 counties; nine
counties are named here), so a coordinator must check each row before it is published."""

from __future__ import annotations

import datetime as dt

NOTE = ("Förifyllt från en ofullständig lista (pilotlän 2018–2020, finansierade 2021–22, Uppsala från 2025). "
        "Behöver verifieras: enligt beslutet A2025/01207 finns 16 centrum i 13 av 21 län.")

# county code -> (status, since)
KNOWN = {
    "21": ("established", dt.date(2018, 1, 1)),  # Gävleborg, pilot 2018–2020
    "07": ("established", dt.date(2018, 1, 1)),  # Kronoberg, pilot
    "25": ("established", dt.date(2018, 1, 1)),  # Norrbotten, pilot
    "14": ("established", dt.date(2018, 1, 1)),  # Västra Götaland, pilot
    "20": ("established", dt.date(2021, 1, 1)),  # Dalarna, funded 2021–22
    "12": ("established", dt.date(2021, 1, 1)),  # Skåne
    "22": ("established", dt.date(2021, 1, 1)),  # Västernorrland
    "19": ("established", dt.date(2021, 1, 1)),  # Västmanland
    "03": ("developing", dt.date(2025, 1, 1)),   # Uppsala from 2025
}

COUNTY_NAMES = {
    "01": "Stockholms län", "03": "Uppsala län", "04": "Södermanlands län", "05": "Östergötlands län",
    "06": "Jönköpings län", "07": "Kronobergs län", "08": "Kalmar län", "09": "Gotlands län", "10": "Blekinge län",
    "12": "Skåne län", "13": "Hallands län", "14": "Västra Götalands län", "17": "Värmlands län",
    "18": "Örebro län", "19": "Västmanlands län", "20": "Dalarnas län", "21": "Gävleborgs län",
    "22": "Västernorrlands län", "23": "Jämtlands län", "24": "Västerbottens län", "25": "Norrbottens län",
}


def seed_rows() -> list[dict]:
    rows = []
    for code, county in COUNTY_NAMES.items():
        status, since = KNOWN.get(code, ("none", None))
        rows.append({
            "county_code": code,
            "name": f"Regionalt resurscentrum, {county}" if status != "none" else "",
            "host_organisation": "",
            "contact": "",
            "status": status,
            "since": since,
            "needs_verification": True,
            "note": NOTE,
        })
    return rows
