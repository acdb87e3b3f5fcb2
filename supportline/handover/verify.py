"""Reading a package back the way the receiver does: decrypt, check every checksum,
size and count, validate every JSON line against the package's own schemas, and check
the chain of packages. Needs no database."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from supportline.handover.package import FORMAT_NAME, READABLE_VERSIONS, sha256_of

NAME_RE = re.compile(r"^supportline-handover-(\d{8}T\d{6}Z)-(full|delta)-(\d{6})\.tar(\.age)?$")


class PackageError(Exception):
    """The package cannot be read at all (wrong key, not a package, damaged)."""


@dataclass
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f", rad {self.line}" if self.line else "")
        return f"{where}: {self.message}"


@dataclass
class VerifyReport:
    path: Path
    sha256: str
    manifest: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    checked_records: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"Paket: {self.path.name}", f"SHA-256: {self.sha256}"]
        if self.manifest:
            m = self.manifest
            lines += [f"Format: {m.get('format')} version {m.get('format_version')}, {m.get('kind')}, "
                      f"nummer {m.get('sequence')}",
                      f"Skapat: {m.get('generated_at')}",
                      f"Föregående paket (SHA-256): {m.get('previous_sha256') or 'inget (första paketet)'}"]
            counts = m.get("counts", {})
            by_status = ", ".join(f"{k}: {v}" for k, v in sorted(counts.get("by_status", {}).items()))
            lines.append(f"Ärenden: {counts.get('inquiries')} ({by_status}), "
                         f"händelser: {counts.get('timeline_entries')}, artiklar: {counts.get('articles')}")
        lines.append(f"Kontrollerade poster: {self.checked_records}")
        if self.ok:
            lines.append("RESULTAT: Paketet är komplett och oförändrat. "
                         "Alla kontrollsummor, antal och scheman stämmer.")
        else:
            lines.append(f"RESULTAT: {len(self.problems)} fel hittades:")
            lines += [f"  - {p}" for p in self.problems[:200]]
        return "\n".join(lines)


def open_package(path: Path, identity_file: Path | None, workdir: Path) -> Path:
    """The plain tar of a package: decrypted into workdir when it is age-encrypted."""
    if path.name.endswith(".age"):
        if identity_file is None:
            raise PackageError("Paketet är krypterat: ange mottagarens nyckelfil med --identity.")
        import pyrage

        try:
            identities = [pyrage.x25519.Identity.from_str(line.strip())
                          for line in identity_file.read_text(encoding="utf-8").splitlines()
                          if line.strip().startswith("AGE-SECRET-KEY-")]
        except (OSError, pyrage.IdentityError) as exc:
            raise PackageError(f"Nyckelfilen kan inte läsas: {exc}") from None
        if not identities:
            raise PackageError("Nyckelfilen innehåller ingen age-nyckel (AGE-SECRET-KEY-…).")
        plain = workdir / "package.tar"
        try:
            pyrage.decrypt_file(str(path), str(plain), identities)
        except (pyrage.DecryptError, OSError) as exc:
            raise PackageError("Paketet kunde inte dekrypteras med den nyckeln, eller så är filen skadad "
                               f"eller ändrad ({exc}).") from None
        return plain
    return path


def _schema_validator(tar: tarfile.TarFile, name: str, cache: dict):
    """A compiled validator for a schema inside the package.

    fastjsonschema compiles the schema to Python code: validating 100,000 records takes
    seconds instead of minutes with an interpreting validator. Our schemas use only
    keywords that it implements (types, enums, patterns, formats, required, items)."""
    if name in cache:
        return cache[name]
    import fastjsonschema

    member = tar.extractfile(name)
    if member is None:
        raise KeyError(name)
    schema = json.load(member)
    cache[name] = fastjsonschema.compile(schema)
    return cache[name]


def _schema_error(validator, record) -> str | None:
    import fastjsonschema

    try:
        validator(record)
    except fastjsonschema.JsonSchemaValueException as exc:
        return exc.message.removeprefix("data.").removeprefix("data ")
    return None


def verify_package(path: str | Path, identity_file: str | Path | None = None,
                   previous: str | Path | None = None) -> VerifyReport:
    """Check one package. `previous` is the package before it in the chain, when known.

    Raises PackageError when the package cannot be opened at all.
    """
    path = Path(path)
    if not path.is_file():
        raise PackageError(f"Filen {path} finns inte.")
    report = VerifyReport(path, sha256_of(path))
    with tempfile.TemporaryDirectory(prefix="supportline-verify-") as tmp:
        plain = open_package(path, Path(identity_file) if identity_file else None, Path(tmp))
        try:
            tar = tarfile.open(plain, mode="r:")
        except tarfile.TarError as exc:
            raise PackageError(f"Filen är inte ett läsbart paket (tar): {exc}") from None
        with tar:
            _verify_tar(tar, report)
    if previous is not None and report.manifest:
        expected = sha256_of(previous)
        if report.manifest.get("previous_sha256") != expected:
            report.problems.append(Problem("manifest.json", None,
                                           f"kedjan bryts: föregående paket har SHA-256 {expected}, "
                                           f"manifestet anger {report.manifest.get('previous_sha256')}"))
    return report


def _verify_tar(tar: tarfile.TarFile, report: VerifyReport) -> None:
    problems = report.problems
    try:
        members = {m.name: m for m in tar.getmembers()}
    except (tarfile.TarError, EOFError) as exc:
        problems.append(Problem("(paketet)", None, f"paketet är avkortat eller skadat: {exc}"))
        return
    if "manifest.json" not in members:
        problems.append(Problem("manifest.json", None, "manifestet saknas"))
        return
    try:
        manifest = json.load(tar.extractfile("manifest.json"))
    except (ValueError, tarfile.TarError, EOFError) as exc:
        problems.append(Problem("manifest.json", None, f"manifestet kan inte läsas: {exc}"))
        return
    report.manifest = manifest
    if manifest.get("format") != FORMAT_NAME or manifest.get("format_version") not in READABLE_VERSIONS:
        readable = " och ".join(str(v) for v in READABLE_VERSIONS)
        problems.append(Problem("manifest.json", None,
                                f"okänt format {manifest.get('format')!r} version {manifest.get('format_version')!r}; "
                                f"det här programmet läser {FORMAT_NAME} version {readable}"))
        return
    validators: dict = {}
    try:
        error = _schema_error(_schema_validator(tar, "schema/manifest.schema.json", validators), manifest)
    except KeyError:
        error = None
        problems.append(Problem("schema/manifest.schema.json", None, "schemat saknas i paketet"))
    if error:
        problems.append(Problem("manifest.json", None, f"följer inte schemat: {error}"))
    listed = {entry.get("path") for entry in manifest.get("files", [])}
    for name in members:
        if name != "manifest.json" and name not in listed:
            problems.append(Problem(name, None, "filen finns i paketet men inte i manifestet"))
    statuses: Counter = Counter()
    for entry in manifest.get("files", []):
        name = entry.get("path")
        if name not in members:
            problems.append(Problem(name, None, "filen saknas i paketet"))
            continue
        _verify_file(tar, members[name], entry, report, validators, statuses)
    counts = manifest.get("counts", {})
    if "inquiries.jsonl" in listed and dict(statuses) != counts.get("by_status"):
        problems.append(Problem("manifest.json", None, f"antal per status stämmer inte: manifestet anger "
                                                       f"{counts.get('by_status')}, ärendena ger {dict(statuses)}"))


def _verify_file(tar, member, entry, report, validators, statuses) -> None:
    name = entry["path"]
    problems = report.problems
    digest = hashlib.sha256()
    size = 0
    records = 0
    validator = None
    if entry.get("schema"):
        try:
            validator = _schema_validator(tar, entry["schema"], validators)
        except KeyError:
            problems.append(Problem(name, None, f"schemat {entry['schema']} saknas i paketet"))
    try:
        stream = tar.extractfile(member)
        if name.endswith(".jsonl"):
            for number, line in enumerate(stream, start=1):
                digest.update(line)
                size += len(line)
                records += 1
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    problems.append(Problem(name, number, f"raden är inte giltig JSON: {exc}"))
                    continue
                if validator is not None and (error := _schema_error(validator, record)):
                    problems.append(Problem(name, number, f"följer inte schemat: {error}"))
                report.checked_records += 1
                if name == "inquiries.jsonl" and isinstance(record, dict):
                    statuses[record.get("status")] += 1
        else:
            def lines():
                nonlocal size
                for number, line in enumerate(stream):
                    digest.update(line)
                    size += len(line)
                    yield line.decode("utf-8-sig" if number == 0 else "utf-8")

            if name.endswith(".csv"):
                # csv.reader joins quoted fields that span lines, so this counts records, not lines
                records = max(0, sum(1 for _ in csv.reader(lines(), delimiter=";")) - 1)
            else:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
                    size += len(chunk)
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(name, None, f"filen kan inte läsas: {exc}"))
        return
    if size != entry.get("bytes"):
        problems.append(Problem(name, None, f"storleken är {size} byte, manifestet anger {entry.get('bytes')}"))
    if digest.hexdigest() != entry.get("sha256"):
        problems.append(Problem(name, None, "kontrollsumman (SHA-256) stämmer inte: filen är ändrad eller skadad"))
    if entry.get("records") is not None and records != entry.get("records"):
        problems.append(Problem(name, None, f"{records} poster, manifestet anger {entry.get('records')}"))


def chain_order(paths: list[Path]) -> list[Path]:
    """Packages in a folder, in sequence order (from their names)."""
    named = [(int(m.group(3)), p) for p in paths if (m := NAME_RE.match(p.name))]
    return [p for _seq, p in sorted(named)]
