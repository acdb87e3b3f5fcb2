"""The receipt: what the receiver writes after a package verified, and what the sender checks
it against. Written and read without the database, like the verification itself."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from supportline.handover.verify import VerifyReport

RECEIPT_FORMAT = "supportline-handover-receipt"
RECEIPT_VERSION = 1
# What a receipt must carry for the sender to match it with a package of its ledger.
REQUIRED = ("package", "sha256", "sequence", "kind", "counts", "previous_sha256", "verified_at", "verified_by")


class ReceiptError(Exception):
    """A receipt that cannot be written, read or accepted; the message is Swedish."""


def file_counts(manifest: dict) -> dict[str, int]:
    """Records per data file, as the manifest lists them (files without records are left out)."""
    return {entry["path"]: entry["records"] for entry in manifest.get("files", [])
            if isinstance(entry, dict) and entry.get("records") is not None}


def build_receipt(report: VerifyReport, receiver: str, now: dt.datetime | None = None) -> dict:
    if not report.ok:
        raise ReceiptError("Paketet klarade inte kontrollen, så inget kvitto skrivs.")
    receiver = " ".join((receiver or "").split())
    if not receiver:
        raise ReceiptError("Ange vem som kontrollerade paketet med --receiver (till exempel NCK, Anna Andersson).")
    m = report.manifest
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return {
        "format": RECEIPT_FORMAT, "format_version": RECEIPT_VERSION,
        "package": report.path.name, "sha256": report.sha256,
        "sequence": m.get("sequence"), "kind": m.get("kind"),
        "generated_at": m.get("generated_at"),
        "previous_sha256": m.get("previous_sha256"),
        "counts": {**{k: m.get("counts", {}).get(k) for k in ("inquiries", "by_status", "timeline_entries",
                                                              "articles")},
                   "files": file_counts(m)},
        "verified_at": now.isoformat().replace("+00:00", "Z"),
        "verified_by": receiver,
    }


def write_receipt(receipt: dict, target: Path) -> None:
    """Write to a temporary file and rename, so a receipt is either whole or absent."""
    target = Path(target)
    if target.exists():
        raise ReceiptError(f"Filen {target} finns redan; välj ett annat namn för kvittot.")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8") as fh:
            json.dump(receipt, fh, ensure_ascii=False, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ReceiptError(f"Kvittot kunde inte skrivas till {target}: {exc.strerror or exc}.") from None


def read_receipt(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReceiptError(f"Kvittot {path} kan inte läsas: {exc.strerror or exc}.") from None
    except ValueError:
        raise ReceiptError(f"Kvittot {path} är inte giltig JSON.") from None
    if not isinstance(data, dict) or data.get("format") != RECEIPT_FORMAT:
        raise ReceiptError(f"Filen {path} är inget överlämningskvitto ({RECEIPT_FORMAT}).")
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise ReceiptError(f"Kvittot saknar {', '.join(missing)}.")
    if not isinstance(data["sequence"], int) or not isinstance(data["counts"], dict):
        raise ReceiptError("Kvittots nummer eller antal har fel form.")
    try:
        parse_time(data["verified_at"])
    except (TypeError, ValueError):
        raise ReceiptError("Kvittots tidpunkt (verified_at) är inte en giltig tidpunkt.") from None
    return data


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment
