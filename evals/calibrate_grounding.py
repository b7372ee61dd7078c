"""Calibrate the grounding thresholds for generated answers.

    .venv/bin/python -m evals.calibrate_grounding [--write]

Each line of evals/sets/grounding/calibration.jsonl pairs a sentence with the corpus
document it cites and a label (supported or not). For every example this finds the
document's passage the sentence is closest to (as a model citing [n] would), computes
the two support features bot.answering.grounding uses (best sentence similarity, key-term share),
then picks the thresholds that accept no unsupported example while keeping as many
supported ones as possible. --write stores them in bot/answering/data/grounding_thresholds.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bot.answering.grounding import THRESHOLDS, Thresholds, numbers_agree, term_support
from bot.config import Settings
from bot.retrieval.chunk import chunk_document
from bot.retrieval.corpus import load_corpus

SET = Path(__file__).parent / "sets" / "grounding" / "calibration.jsonl"


def features(settings: Settings) -> list[dict]:
    embedder = settings.get_embedder()
    docs = {d.id: d for d in load_corpus(settings.corpus_dir)}
    rows = [json.loads(x) for x in SET.read_text().splitlines() if x.strip()]
    out = []
    for row in rows:
        passages = chunk_document(docs[row["source"]])
        vec = embedder.encode([row["sentence"]])[0]
        best = None
        for p in passages:
            sims = embedder.encode(list(p.sentences)) @ vec
            if best is None or float(sims.max()) > best[0]:
                best = (float(sims.max()), p)
        sim, passage = best
        out.append({**row, "similarity": sim, "terms": term_support(row["sentence"], [passage.text]),
                    "numbers": numbers_agree(row["sentence"], [passage.text])})
    return out


def accepted(r: dict, th: Thresholds) -> bool:
    return r["numbers"] and r["terms"] >= th.min_terms and r["similarity"] >= th.min_similarity


def choose(rows: list[dict]) -> tuple[Thresholds, dict]:
    best: tuple[tuple, Thresholds] | None = None
    for sim in np.arange(0.30, 0.90, 0.02):
        for terms in np.arange(0.30, 1.01, 0.05):
            th = Thresholds(round(float(sim), 2), round(float(terms), 2))
            false_accept = sum(accepted(r, th) for r in rows if not r["supported"])
            true_accept = sum(accepted(r, th) for r in rows if r["supported"])
            # Zero invented sentences first; then keep the most supported ones; then the
            # most central thresholds (least likely to be tuned to a single example).
            key = (-false_accept, true_accept, -abs(sim - 0.6), -abs(terms - 0.6))
            if best is None or key > best[0]:
                best = (key, th)
    th = best[1]
    stats = {
        "supported_kept": sum(accepted(r, th) for r in rows if r["supported"]),
        "supported": sum(r["supported"] for r in rows),
        "unsupported_kept": sum(accepted(r, th) for r in rows if not r["supported"]),
        "unsupported": sum(not r["supported"] for r in rows),
    }
    return th, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the thresholds in bot/data")
    args = parser.parse_args(argv)
    rows = features(Settings.from_env())
    for r in rows:
        print(f"{r['id']:>4} {'SUP' if r['supported'] else 'INV'} sim={r['similarity']:.2f} "
              f"terms={r['terms']:.2f} numbers={'ok' if r['numbers'] else 'NO'}")
    th, stats = choose(rows)
    print(f"chosen: min_similarity={th.min_similarity} min_terms={th.min_terms} {stats}")
    if args.write:
        THRESHOLDS.write_text(json.dumps({"min_similarity": th.min_similarity, "min_terms": th.min_terms,
                                          "calibration": stats, "set": SET.name}, indent=2) + "\n")
        print(f"wrote {THRESHOLDS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
