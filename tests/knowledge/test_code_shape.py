"""The knowledge package stays a house one can live in: no function above a cyclomatic complexity
of 20 and no module above 600 lines (the complexity as `radon cc -s -n C knowledge` reports it)."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

PACKAGE = Path(__file__).resolve().parents[2] / "knowledge"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_COMPLEXITY = 20
MAX_LINES = 600


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_no_function_is_more_complex_than_20():
    too_complex = [
        f"{_name(path)}:{block.lineno} {block.fullname} ({block.complexity})"
        for path in MODULES
        for block in cc_visit(path.read_text(encoding="utf-8"))
        if isinstance(block, Function) and block.complexity > MAX_COMPLEXITY
    ]
    assert len(MODULES) > 10, "the package's modules were not found"
    assert too_complex == [], "split these functions: " + ", ".join(too_complex)


def test_no_module_is_longer_than_600_lines():
    too_long = [
        f"{_name(path)} ({lines} lines)"
        for path in MODULES
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert too_long == [], "split these modules: " + ", ".join(too_long)
