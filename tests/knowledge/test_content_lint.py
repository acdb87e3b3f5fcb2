"""The shipped guidance passes `supportline kb lint`: sources a reader can follow, a review note
on every article, and the support line referred to through the contact setting."""

from __future__ import annotations

from pathlib import Path

import knowledge
from knowledge.lint import ERROR

CONTENT = Path(__file__).resolve().parents[2] / "knowledge" / "content"


def test_shipped_content_passes_the_lint():
    findings = knowledge.lint_directory(CONTENT, knowledge.load_line_contact())
    errors = [str(finding) for finding in findings if finding.level == ERROR]
    assert errors == [], f"{len(errors)} fel:\n" + "\n".join(errors)
