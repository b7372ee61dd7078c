"""Write the asked-before questions (bot.retrieval.asked) from the labelled dev sets.

    HF_HUB_OFFLINE=1 .venv/bin/python -m evals.build_asked [--check]

Reads evals/sets/real/dev.jsonl, dev2.jsonl, dev3.jsonl, dev4.jsonl (real questions) and decline_dev.jsonl
(team-written), never the held-out test.jsonl or test2.jsonl. Keeps
single-message items (a conversation's last turn says too little alone), leaves out items
marked crisis_adjacent, and keeps only passage keys the current corpus has (an item whose keys
are all gone is dropped and counted). Writes bot/retrieval/data/asked.jsonl and asked.npz (the
bundled MiniLM's vectors). --check writes nothing and fails when the stored files differ from
what would be written (tests run the same comparison without the model).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.retrieval import asked
from bot.retrieval.chunk import chunk_document
from bot.retrieval.corpus import load_corpus

SETS = ("dev", "dev2", "dev3", "dev4", "decline_dev")
REAL = Path(__file__).parent / "sets" / "real"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def corpus_keys(corpus_dir: Path = CORPUS) -> set[str]:
    return {p.key for d in load_corpus(corpus_dir) for p in chunk_document(d)}


def collect(sets: tuple[str, ...] = SETS, keys: set[str] | None = None,
            real: Path = REAL) -> tuple[list[asked.Asked], dict[str, int]]:
    keys = corpus_keys() if keys is None else keys
    rows: list[asked.Asked] = []
    counts = {"conversation": 0, "crisis_adjacent": 0, "keys_gone": 0}
    for name in sets:
        if name.startswith("test"):
            raise ValueError(f"{name}.jsonl is held out; it never goes into the memory")
        for line in (real / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("turns"):
                counts["conversation"] += 1
                continue
            if item.get("crisis_adjacent"):
                counts["crisis_adjacent"] += 1
                continue
            want = item.get("expect_passages") or [] if item.get("expect") == "answer" else []
            kept = tuple(k for k in want if k in keys)
            if want and not kept:
                counts["keys_gone"] += 1
                continue
            rows.append(asked.Asked(item["text"], kept, f"{name}:{item['id']}"))
    return rows, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the stored rows; write nothing")
    args = parser.parse_args(argv)
    rows, counts = collect()
    print(f"{len(rows)} questions ({sum(bool(r.passages) for r in rows)} answerable); left out: {counts}")
    if args.check:
        stored = asked.read_rows() if asked.ASKED_JSONL.exists() else []
        same = stored == rows
        print("stored rows are current" if same else "stored rows differ: run python -m evals.build_asked")
        return 0 if same else 1
    from bot.retrieval.embed import default_embedder

    emb = default_embedder()
    asked.save(asked.build(rows, emb.encode), emb.name)
    print(f"wrote {asked.ASKED_JSONL} and {asked.ASKED_NPZ}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
