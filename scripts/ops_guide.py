#!/usr/bin/env python3
"""The marked command blocks of docs/OPERATIONS.md: list them, show one, or run some in order.

A block is marked by `<!-- ops:NAME -->` on the line before its fence. The same blocks are what
tests/operations/test_operations_guide.py runs, so what this script runs is what the test has run.

    python scripts/ops_guide.py list
    python scripts/ops_guide.py show backup
    BACKUP_FILE=/backups/latest.dump RESTORE_DB=supportline_drill python scripts/ops_guide.py run restore

`run` uses bash with `-euo pipefail`, in the repository, with this process's environment (set the variables
the guide names first), and stops at the first block that fails.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "OPERATIONS.md"
MARKER = re.compile(r"^[ \t]*<!-- ops:([a-z0-9-]+) -->[ \t]*\n[ \t]*```[a-z]*\n(.*?)^[ \t]*```", re.M | re.S)


class GuideError(Exception):
    pass


def guide_blocks(path: Path = GUIDE) -> dict[str, str]:
    """The marked blocks, by name, in the guide's order, without the indentation of a list item."""
    blocks: dict[str, str] = {}
    for match in MARKER.finditer(path.read_text(encoding="utf-8")):
        name, body = match.group(1), match.group(2)
        if name in blocks:
            raise GuideError(f"two blocks are marked ops:{name} in {path.name}")
        lines = body.splitlines()
        indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
        blocks[name] = "\n".join(line[indent:] for line in lines) + "\n"
    return blocks


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"list", "show", "run"} or (argv[0] != "list" and len(argv) < 2):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    blocks = guide_blocks()
    command, names = argv[0], argv[1:]
    if command == "list":
        for name, body in blocks.items():
            first = next((line for line in body.splitlines() if line.strip() and not line.startswith("#")), "")
            print(f"{name:<20} {first}")
        return 0
    unknown = [name for name in names if name not in blocks]
    if unknown:
        print(f"{GUIDE.name} has no block marked {', '.join('ops:' + n for n in unknown)}", file=sys.stderr)
        return 2
    for name in names:
        if command == "show":
            print(blocks[name], end="")
            continue
        print(f"# ops:{name}\n{blocks[name]}", file=sys.stderr, end="")
        # The guide's own commands, run as an operator would type them.
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", blocks[name]], cwd=ROOT, check=False)  # noqa: S603, S607
        if result.returncode != 0:
            print(f"ops:{name} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
