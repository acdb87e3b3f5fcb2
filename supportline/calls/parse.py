"""Reading a telephone system's call export (CSV). Pure: bytes in, rows or a Swedish error naming
the line out; nothing here touches the database.

Accepted: UTF-8 with or without BOM; `;`, `,` or tab between fields (decided from the header
line); Swedish or English headers in any case. Columns:

- time: one column (`Tidpunkt`, `Datum och tid`, `Starttid`, `Tid`, `Time`, `Start time`,
  `Timestamp`, `Date/time`) or a date column (`Datum`, `Date`) plus a time column (`Klockslag`,
  `Tid`, `Time`). `ÅÅÅÅ-MM-DD TT:MM[:SS]` (or with `T`), Swedish time unless an offset is given.
- answered or missed (`Status`, `Besvarat`, `Besvarad`, `Resultat`, `Utfall`, `Answered`,
  `Result`, `Disposition`): besvarat/besvarad/ja/answered/yes/1 or
  missat/missad/obesvarat/obesvarad/nej/avbrutet/missed/unanswered/abandoned/no/0.
- waiting time and duration (`Väntetid`, `Kötid`, `Wait time`, `Queue time` · `Samtalstid`,
  `Längd`, `Varaktighet`, `Duration`, `Talk time`): seconds, `MM:SS` or `TT:MM:SS`; may be empty.
- optional call id (`Samtals-id`, `Call id`, `Id`): makes re-imports recognise the call.

A column holding the caller's number (`Nummer`, `Telefonnummer`, `A-nummer`, `Från`, `Caller`,
`Caller id`, `Number`, `From`, `ANI`, `CLI` ...) is never read: it is named in the result so
the command can say that it was left out. Any other column is ignored and named too.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from supportline.dates import LOCAL_TZ

MAX_BYTES = 50 * 1024 * 1024

HEADERS = {
    "datetime": {"tidpunkt", "datum och tid", "datum/tid", "starttid", "start", "samtalsstart", "time", "start time",
                 "starttime", "timestamp", "date/time", "datetime", "date time", "call start", "tid"},
    "date": {"datum", "date", "dag"},
    "clock": {"klockslag", "tid", "time", "kl", "klockan"},
    "answered": {"status", "besvarat", "besvarad", "resultat", "utfall", "answered", "result", "disposition",
                 "call status", "samtalsstatus"},
    "wait": {"väntetid", "kötid", "vänte tid", "wait", "wait time", "waiting time", "queue time", "hold time",
             "väntetid (s)", "wait (s)"},
    "duration": {"samtalstid", "längd", "varaktighet", "samtalslängd", "duration", "talk time", "call duration",
                 "samtalstid (s)", "duration (s)"},
    "call_id": {"samtals-id", "samtalsid", "id", "call id", "callid", "call-id"},
}
NUMBER_HEADERS = {"nummer", "telefonnummer", "a-nummer", "anummer", "från", "från nummer", "uppringare", "anropare",
                  "uppringande nummer", "caller", "caller id", "callerid", "caller number", "number", "from",
                  "phone", "phone number", "ani", "cli", "calling number", "source number"}
ANSWERED = {"besvarat", "besvarad", "ja", "answered", "yes", "1", "true", "connected"}
MISSED = {"missat", "missad", "obesvarat", "obesvarad", "nej", "avbrutet", "avbruten", "lagt på", "missed",
          "unanswered", "abandoned", "no", "0", "false", "not answered"}
DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$")
SECONDS = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


class CallFileError(ValueError):
    """A Swedish message naming the line (1 = the header line)."""

    def __init__(self, line: int, message: str):
        super().__init__(f"Rad {line}: {message}")
        self.line = line


@dataclass
class ParsedFile:
    rows: list[dict] = field(default_factory=list)
    number_columns: list[str] = field(default_factory=list)   # the caller's number: never read
    ignored_columns: list[str] = field(default_factory=list)


def _normalise(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").strip().strip('"').lower().replace("_", " ").split())


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CallFileError(1, "filen är större än 50 MB. Dela upp den per månad.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CallFileError(line, "filen är inte UTF-8. Spara den som ”CSV UTF-8” och försök igen.") from None


def _columns(headers: list[str]) -> tuple[dict[str, int], ParsedFile]:
    found: dict[str, int] = {}
    parsed = ParsedFile()
    names = [_normalise(h) for h in headers]
    has_date = any(n in HEADERS["date"] for n in names)
    for index, (raw, name) in enumerate(zip(headers, names, strict=True)):
        if name in NUMBER_HEADERS:
            parsed.number_columns.append(raw.strip())
            continue
        # "Tid"/"Time" is the time of day when a date column stands beside it, else date and time.
        kinds = [k for k, names_ in HEADERS.items() if name in names_]
        if "datetime" in kinds and "clock" in kinds:
            kinds = ["clock"] if has_date else ["datetime"]
        kind = next((k for k in kinds if k not in found), None)
        if kind is None:
            parsed.ignored_columns.append(raw.strip())
        else:
            found[kind] = index
    if "datetime" not in found and not ("date" in found and "clock" in found):
        raise CallFileError(1, "kolumnen med samtalets tid saknas (t.ex. ”Tidpunkt” eller ”Datum” och "
                               "”Klockslag”). Se README, ”Samtal vi inte besvarade”.")
    if "answered" not in found:
        raise CallFileError(1, "kolumnen som visar om samtalet besvarades saknas (t.ex. ”Status” eller ”Besvarat”).")
    return found, parsed


def _time(text: str, line: int) -> dt.datetime:
    match = DATETIME.match(text.strip())
    if not match:
        raise CallFileError(line, f"tiden ”{text.strip()[:40]}” går inte att läsa. Skriv ÅÅÅÅ-MM-DD TT:MM.")
    day, clock, offset = match.groups()
    clock = clock.zfill(len(clock) + 1) if clock.index(":") == 1 else clock
    iso = f"{day}T{clock}{':00' if clock.count(':') == 1 else ''}"
    if offset:
        iso += "+00:00" if offset == "Z" else offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"
    try:
        value = dt.datetime.fromisoformat(iso)
    except ValueError:
        raise CallFileError(line, f"tiden ”{text.strip()[:40]}” finns inte i kalendern.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(dt.UTC)


def _seconds(text: str, line: int, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    match = SECONDS.match(text)
    if not match:
        raise CallFileError(line, f"{label} ”{text[:20]}” går inte att läsa. Skriv sekunder, MM:SS eller TT:MM:SS.")
    hours, minutes, seconds = match.groups()
    if int(seconds) > 59 or (hours is not None and int(minutes) > 59):
        raise CallFileError(line, f"{label} ”{text}” går inte att läsa: minuter och sekunder är högst 59.")
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


def parse_calls(data: bytes) -> ParsedFile:
    """Every row of the file, or CallFileError for the first line that cannot be read."""
    text = _decode(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CallFileError(1, "filen är tom eller saknar rubrikrad.")
    header = lines[0]
    delimiter = max((";", ",", "\t"), key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
        columns, parsed = _columns(headers)
        seen: dict[str, int] = {}
        keys: set[str] = set()
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(headers):
                raise CallFileError(line, f"raden har {len(cells)} fält men rubrikraden har {len(headers)}. "
                                          f"Kontrollera avgränsaren (”{delimiter}”) och citattecknen.")
            get = {kind: cells[index] for kind, index in columns.items()}
            if "datetime" in get:
                started = _time(get["datetime"], line)
            else:
                started = _time(f"{get['date'].strip()} {get['clock'].strip()}", line)
            status = get["answered"].strip().lower()
            if status not in ANSWERED | MISSED:
                raise CallFileError(line, f"”{get['answered'].strip()[:30]}” säger inte om samtalet besvarades. "
                                          "Använd t.ex. ”besvarat” eller ”missat”.")
            wait = _seconds(get.get("wait", ""), line, "väntetiden")
            duration = _seconds(get.get("duration", ""), line, "samtalstiden")
            answered = status in ANSWERED
            call_id = get.get("call_id", "").strip()
            basis = f"{started.isoformat()}|{int(answered)}|{wait}|{duration}"
            seen[basis] = seen.get(basis, 0) + 1
            key = ("id:" + call_id[:60] if call_id
                   else hashlib.sha256(f"{basis}|{seen[basis]}".encode()).hexdigest()[:40])
            if key in keys:
                raise CallFileError(line, f"samtals-id {call_id} förekommer redan tidigare i filen.")
            keys.add(key)
            local = started.astimezone(LOCAL_TZ)
            parsed.rows.append({
                "record_key": key, "started_at": started, "local_date": local.date(),
                "local_weekday": local.weekday(), "local_minute": local.hour * 60 + local.minute,
                "answered": answered, "wait_seconds": wait, "duration_seconds": duration})
    except csv.Error as exc:
        raise CallFileError(reader.line_num, f"raden går inte att läsa som CSV ({exc}).") from None
    return parsed
