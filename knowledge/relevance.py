"""Search quality against a set of realistic questions: MRR and hit@k."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass
class Question:
    q: str
    expect: str


@dataclass
class RelevanceReport:
    questions: int
    mrr: float
    hit_at_1: float
    hit_at_3: float
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)


def load_questions(directory: str | os.PathLike) -> list[Question]:
    questions = []
    for path in sorted(Path(directory).glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            questions.append(Question(str(item["q"]), str(item["expect"])))
    return questions


def evaluate(index, questions: list[Question], include_internal: bool = True) -> RelevanceReport:
    """Search each question; the rank of the expected slug gives MRR and hit@k."""
    reciprocal = 0.0
    hit1 = hit3 = 0
    misses = []
    for question in questions:
        slugs = [hit.slug for hit in index.search(question.q, pagelen=10, include_internal=include_internal).hits]
        if question.expect in slugs:
            rank = slugs.index(question.expect) + 1
            reciprocal += 1 / rank
            hit1 += rank == 1
            hit3 += rank <= 3
        if question.expect not in slugs[:3]:
            misses.append((question.q, question.expect, slugs[:3]))
    n = len(questions) or 1
    return RelevanceReport(len(questions), reciprocal / n, hit1 / n, hit3 / n, misses)
