"""The handover package format, written and read without the database.

A package is one tar (age-encrypted for the recipient) holding manifest.json first and
then the data files it lists with their byte size, SHA-256 and record count.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from supportline.excel_csv import ExcelCsvWriter

FORMAT_NAME = "supportline-handover"
# Version 2 added the outcomes, the resource centre and the persons' role and relations to the
# inquiry record. The verifier and the importer read every version in READABLE_VERSIONS.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


@dataclass
class FileEntry:
    path: str
    bytes: int
    sha256: str
    records: int | None
    schema: str | None = None

    def as_json(self) -> dict:
        data = {"path": self.path, "bytes": self.bytes, "sha256": self.sha256, "records": self.records}
        if self.schema:
            data["schema"] = self.schema
        return data


class _HashingWriter(io.RawIOBase):
    """A file that hashes and counts what is written to it, so a file is read only once."""

    def __init__(self, path: Path):
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._file.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        super().close()


@dataclass
class PackageBuilder:
    """Collects the package's files in a work directory, then writes the tar."""

    workdir: Path
    files: list[FileEntry] = field(default_factory=list)

    def _target(self, name: str) -> Path:
        path = self.workdir / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def jsonl(self, name: str, schema: str) -> _JsonlFile:
        """A JSON Lines file to write record by record; several can be open at once."""
        return _JsonlFile(self, name, schema)

    def csv(self, name: str, header: list[str]) -> _CsvFile:
        return _CsvFile(self, name, header)

    def add_bytes(self, name: str, data: bytes) -> None:
        out = _HashingWriter(self._target(name))
        with out:
            out.write(data)
        self.files.append(FileEntry(name, out.size, out.sha.hexdigest(), None))

    def write_tar(self, manifest: dict, target: Path) -> None:
        """Write manifest.json first, then every file, into an uncompressed tar; fsync it."""
        manifest = {**manifest, "files": [f.as_json() for f in self.files]}
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"
        with open(target, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                info = tarfile.TarInfo("manifest.json")
                info.size = len(manifest_bytes)
                info.mode = 0o644
                info.mtime = 0
                tar.addfile(info, io.BytesIO(manifest_bytes))
                for entry in self.files:
                    path = self.workdir / "content" / entry.path
                    info = tarfile.TarInfo(entry.path)
                    info.size = entry.bytes
                    info.mode = 0o644
                    info.mtime = 0
                    with open(path, "rb") as fh:
                        tar.addfile(info, fh)
            raw.flush()
            os.fsync(raw.fileno())


class _JsonlFile:
    def __init__(self, builder: PackageBuilder, name: str, schema: str):
        self.builder, self.name, self.schema = builder, name, schema
        self.out = _HashingWriter(builder._target(name))
        self.count = 0

    def write(self, record: dict) -> None:
        self.out.write(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() + b"\n")
        self.count += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.out.close()
        self.builder.files.append(FileEntry(self.name, self.out.size, self.out.sha.hexdigest(), self.count,
                                            self.schema))


class _CsvFile:
    """UTF-8 with BOM and ';' so Excel with Swedish settings opens it as it is."""

    def __init__(self, builder: PackageBuilder, name: str, header: list[str]):
        self.builder, self.name = builder, name
        self.out = _HashingWriter(builder._target(name))
        self.text = io.TextIOWrapper(self.out, encoding="utf-8-sig", newline="")
        self.writer = ExcelCsvWriter(self.text)
        self.writer.writerow(header)
        self.count = 0

    def write(self, row: list) -> None:
        # Case text is typed by handlers and callers: no cell may run as a formula in Excel.
        self.writer.writerow(row)
        self.count += 1

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.text.flush()
        self.text.detach()
        self.out.close()
        self.builder.files.append(FileEntry(self.name, self.out.size, self.out.sha.hexdigest(), self.count))


def bundled_schemas() -> dict[str, bytes]:
    """The JSON Schemas that travel in every package, by their path inside it."""
    from supportline.inquiries.canonical import SCHEMA_PATH

    schemas = {"schema/inquiry.schema.json": SCHEMA_PATH.read_bytes()}
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        schemas[f"schema/{path.name}"] = path.read_bytes()
    return schemas


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
