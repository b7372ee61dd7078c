"""The second reading of the blind sources' labels (evals/adjudicate_guard.py): the draw is
fixed and balanced, the score joins by hash and counts what it says, and the committed labels
file holds hashes and labels only (never a text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.adjudicate_guard import draw, markdown, score

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "evals" / "sets" / "adjudicated" / "guard_labels.jsonl"


def _row(src: str, key: str, label: str, screen: str, ngram: str | None = None) -> dict:
    return {"source": src, "key": key, "lang": "en", "label": label, "original": label,
            "screen": screen, "screen_ngram": ngram or screen, "rules": "safe"}


def test_draw_takes_two_thirds_risk_per_source_and_skips_lookalike_sources():
    routed = [_row("posts", f"c{i}", "crisis", "safe") for i in range(50)]
    routed += [_row("posts", f"s{i}", "safe", "safe") for i in range(50)]
    routed += [_row("tweets", f"t{i}", "safe", "safe") for i in range(50)]  # no risk rows: not read
    chosen = draw(routed, 30)
    assert len(chosen) == 30
    assert sum(r["label"] == "crisis" for r in chosen) == 20
    assert {r["source"] for r in chosen} == {"posts"}
    assert draw(routed, 30) == chosen  # fixed seed
    assert draw(list(reversed(routed)), 30) == chosen  # and not the rows' order


def test_score_counts_agreement_and_recall_on_the_readers_labels():
    routed = [
        _row("posts", "a", "crisis", "crisis"),   # both say risk, caught
        _row("posts", "b", "crisis", "safe"),     # source says risk, reader not
        _row("posts", "c", "safe", "safe"),       # reader says risk, source not; missed
        _row("posts", "d", "safe", "crisis"),     # no risk, routed to crisis: a false crisis on "safe"
        _row("posts", "e", "crisis", "safe", ngram="harm_others"),  # reader risk; caught only by n-grams
    ]
    labels = [{"key": "a", "label": "crisis"}, {"key": "b", "label": "support"},
              {"key": "c", "label": "crisis"}, {"key": "d", "label": "safe"},
              {"key": "e", "label": "harm_others"}, {"key": "zz", "label": "crisis"},
              {"key": "b2", "label": "disputed"}]
    (res,) = score(routed, labels)
    assert res["n"] == 5 and res["agree"] == 3
    assert res["source_risk_reader_not"] == 1 and res["reader_risk_source_not"] == 1
    assert res["screen_recall_source"] == [1, 3]
    assert res["screen_recall_reader"] == [1, 3]
    assert res["screen_false_reader"] == [1, 2] and res["screen_false_safe"] == [1, 1]
    assert res["screen_ngram_recall_reader"] == [2, 3]
    assert "| posts | 5 | 60% (3/5) |" in markdown([res])
    with pytest.raises(ValueError):
        score(routed, [{"key": "a", "label": "maybe"}])


def test_committed_labels_are_hashes_and_labels_only():
    lines = [json.loads(x) for x in LABELS.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(lines) >= 300
    for item in lines:
        assert set(item) == {"key", "label", "r1", "r2"}
        assert len(item["key"]) == 24 and all(c in "0123456789abcdef" for c in item["key"])
        assert item["label"] in ("crisis", "harm_others", "support", "safe", "disputed")
        assert item["r1"] in ("crisis", "harm_others", "support", "safe")
    assert len({i["key"] for i in lines}) == len(lines)


def test_the_screen_bench_reads_message_sets_not_the_labels_file():
    """bench's screen cost reads the guard sets (messages); the second reading's labels file,
    which holds hashes and no text, is not one of them."""
    from bench.ours import guard_sets

    sets = guard_sets()
    assert sets and LABELS not in sets
    for path in sets:
        first = json.loads(next(x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()))
        assert "text" in first or "turns" in first, path
