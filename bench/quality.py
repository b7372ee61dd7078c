"""The fast encoder's quality gate (issue 13), run by `make bench`:

    python -m bench.quality [--out FILE]

1. Vectors: cosine of each ONNX backend's vector with the torch (sentence-transformers)
   vector on every corpus sentence and passage; the int8 gate is min >= 0.99.
2. Decisions: every evals set (evals/sets/*.jsonl: the guard sets and the retrieval gold
   set) run end to end through respond() once per backend, each on an index that backend
   ingested itself (what a fresh install does); per set, the pass rate with int8 must be the
   same or better than with torch. Items that change verdict are counted both ways.

Each backend runs in its own child process (its own memory, no torch in the ONNX runs).
Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench.util import PY, ROOT, child_env

GATE_MIN_COSINE = 0.99
BACKENDS = ("torch", "onnx-int8", "onnx")


def cosines(corpus: Path) -> dict:
    from bot.retrieval.chunk import chunk_document
    from bot.retrieval.corpus import load_corpus
    from bot.retrieval.embed import make_embedder

    passages = [p for d in load_corpus(corpus) for p in chunk_document(d)]
    texts = {"sentences": [s for p in passages for s in p.sentences], "passages": [p.text for p in passages]}
    ref = {k: make_embedder("torch").encode(v) for k, v in texts.items()}
    out: dict = {}
    for backend in ("onnx-int8", "onnx"):
        emb = make_embedder(backend)
        for kind, items in texts.items():
            cos = (emb.encode(items) * ref[kind]).sum(axis=1)
            out[f"{backend}:{kind}"] = {"n": len(items), "min": round(float(cos.min()), 5),
                                        "p1": round(float(np.percentile(cos, 1)), 5),
                                        "mean": round(float(cos.mean()), 5)}
    out["gate_min_cosine"] = GATE_MIN_COSINE
    out["int8_min"] = min(out["onnx-int8:sentences"]["min"], out["onnx-int8:passages"]["min"])
    out["onnx_min"] = min(out["onnx:sentences"]["min"], out["onnx:passages"]["min"])
    out["gate_met"] = {"onnx-int8": out["int8_min"] >= GATE_MIN_COSINE, "onnx": out["onnx_min"] >= GATE_MIN_COSINE}
    return out


def eval_run(backend: str, corpus: Path, work: Path) -> dict[str, dict]:
    """Ingest with the backend, run every evals set; {item id: {"set", "passed"}}."""
    env = child_env(BOT_EMBEDDER=backend, BOT_DATA_DIR=str(work / backend), BOT_CORPUS_DIR=str(corpus))
    done = subprocess.run([PY, str(ROOT / "ingest.py"), "--quiet"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)
    if done.returncode != 0:
        raise RuntimeError(f"ingest ({backend}) failed:\n{done.stderr[-2000:]}")
    sets = sorted(str(p) for p in (ROOT / "evals" / "sets").glob("*.jsonl"))
    out = work / f"report-{backend}"
    # --threads 0: leave the thread count alone (setting it imports torch)
    done = subprocess.run([PY, "-m", "evals", "run", *sets, "--out", str(out), "--no-progress", "--threads", "0"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"evals ({backend}) failed:\n{done.stderr[-2000:]}")
    items = {}
    for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        items[r["id"]] = {"set": Path(r["source"].rsplit(":", 1)[0]).stem, "passed": bool(r["passed"]),
                          "route": r.get("route")}
    return items


def decisions(corpus: Path, backends: tuple[str, ...] = ("torch", "onnx-int8")) -> dict:
    with tempfile.TemporaryDirectory(prefix="bot-quality-") as tmp:
        runs = {b: eval_run(b, corpus, Path(tmp)) for b in backends}
    ref = runs["torch"]
    per_set: dict[str, dict] = defaultdict(dict)
    for backend, items in runs.items():
        by_set: dict[str, list[bool]] = defaultdict(list)
        for r in items.values():
            by_set[r["set"]].append(r["passed"])
        for name, passed in by_set.items():
            per_set[name][backend] = {"items": len(passed), "passed": sum(passed),
                                      "rate": round(sum(passed) / len(passed), 4)}
    for name, row in per_set.items():
        for backend in backends[1:]:
            ids = [i for i, r in runs[backend].items() if r["set"] == name and i in ref]
            row[f"{backend}_gained"] = sum(1 for i in ids if runs[backend][i]["passed"] and not ref[i]["passed"])
            row[f"{backend}_lost"] = sum(1 for i in ids if ref[i]["passed"] and not runs[backend][i]["passed"])
            row[f"{backend}_same_or_better"] = row[backend]["passed"] >= row["torch"]["passed"]
    fast = backends[1]
    return {"per_set": dict(per_set), "backends": list(backends),
            "gate_met": all(row[f"{fast}_same_or_better"] for row in per_set.values()),
            "note": "each backend on an index it ingested itself; pass rates from the evals runner's verdicts"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.quality")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--skip-evals", action="store_true")
    args = ap.parse_args(argv)
    result = {"cosine": cosines(args.corpus)}
    if not args.skip_evals:
        result["evals"] = decisions(args.corpus)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
