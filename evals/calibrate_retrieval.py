"""Calibrate when retrieval says "no vetted source" instead of answering.

    .venv/bin/python -m evals.calibrate_retrieval [--write]

Runs every question of evals/sets/retrieval_gold.jsonl through retrieval over the
ingested index (BOT_DATA_DIR) and prints, per question, the best dense similarity and
any uncovered specific terms (bot.retrieval.match.uncovered_terms). It then picks the dense
threshold that keeps every answerable question answerable (with a small margin) while turning as
many unanswerable ones as possible into no_answer; --write stores it in
bot/retrieval/data/retrieval_thresholds.json, which Settings reads as the default min_relevance.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.retrieval.match import THRESHOLDS, Retriever, uncovered_terms

SET = Path(__file__).parent / "sets" / "retrieval_gold.jsonl"
MIN_ANSWER_RECALL = 1.0
MARGIN = 0.01  # stay a little below the weakest answerable question: the gold set is small


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    retriever = Retriever(settings)
    index = retriever.index()
    gold = [json.loads(x) for x in SET.read_text().splitlines() if x.strip()]
    vecs = settings.get_embedder().encode([g["text"] for g in gold])
    rows = []
    for g, vec in zip(gold, vecs, strict=True):
        hits, best = retriever.search(g["text"], vec)
        rows.append((g["expect"] == "answer", best, bool(uncovered_terms(g["text"], index)), g["text"]))
    for answerable, best, uncovered, text in sorted(rows, key=lambda r: r[1]):
        print(f"{'ANS' if answerable else 'NO '} dense={best:.3f} uncovered={uncovered!s:5} {text[:70]}")
    answerable = [r for r in rows if r[0]]
    best_t, best_caught = 0.0, -1
    for t in np.arange(0.10, 0.80, 0.005):
        kept = sum(r[1] >= t and not r[2] for r in answerable) / len(answerable)
        caught = int(sum(r[1] < t or r[2] for r in rows if not r[0]))
        if kept >= MIN_ANSWER_RECALL and caught >= best_caught:  # ties: the higher floor
            best_t, best_caught = round(float(t), 3), caught
    best_t = round(best_t - MARGIN, 3)
    best_caught = int(sum(r[1] < best_t or r[2] for r in rows if not r[0]))
    n_no = sum(not r[0] for r in rows)
    kept = int(sum(r[1] >= best_t and not r[2] for r in answerable))
    print(f"chosen min_relevance={best_t}: answerable kept {kept}/{len(answerable)}, "
          f"unanswerable caught {best_caught}/{n_no}")
    if args.write:
        THRESHOLDS.write_text(json.dumps({"min_relevance": best_t, "answerable_kept": kept,
                                          "answerable": len(answerable), "unanswerable_caught": best_caught,
                                          "unanswerable": n_no, "set": SET.name}, indent=2) + "\n")
        print(f"wrote {THRESHOLDS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
