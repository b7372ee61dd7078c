"""The dev-set regression report of the safety screen (bot/safety/screen.py).

    .venv/bin/python -m evals.calibrate_guard            # figures per set, rules alone and full
    .venv/bin/python -m evals.calibrate_guard --report   # also every miss (id, route, reason)

The dev sets evals/sets/guard_*.jsonl were written by the team next to the rules, so they
are regression tests, not the headline: nothing is fitted or tuned on them any more. The
model is trained on public labelled data and measured blind by source with
`python -m evals.train_guard` (see evals/README.md and bot/safety/MODEL_CARD.md). This
script runs the screen on every dev item, with the rule layer and the n-gram part of the
model alone (no vector: the embedder down) and with the bundled MiniLM's vectors, and prints
per-set figures and the screen's per-turn cost. tests/test_guard.py asserts the same
figures against the limits in evals.metrics.THRESHOLDS.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.types import split_conversation

ROOT = Path(__file__).resolve().parent.parent
SETS_DIR = ROOT / "evals" / "sets"
GUARD_SETS = (
    "guard_crisis",
    "guard_lookalikes",
    "guard_boundary",
    "guard_clinic",
    "guard_out_of_scope",
)
GOLD_SET = "retrieval_gold"  # retrieval questions: every one must be routed "continue"


@dataclass(frozen=True)
class Item:
    set_name: str
    id: str
    turns: tuple[str, ...]  # earlier user turns then the screened message
    expect: str
    tags: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return self.turns[-1]

    @property
    def history(self) -> tuple[str, ...]:
        return self.turns[:-1]

    def ok(self, route: str) -> bool:
        if self.expect == "not_crisis":
            return route != "crisis"
        if self.expect in ("answer", "no_answer"):
            return route == "continue"
        return route == self.expect


def load_set(name: str, sets_dir: Path = SETS_DIR) -> list[Item]:
    items = []
    path = sets_dir / f"{name}.jsonl"
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            before, message = split_conversation(row) or ([], row["text"])
            turns = [*before, message]
            if not turns or not all(isinstance(t, str) for t in turns):
                raise ValueError(f"{path}:{n}: 'turns' must be a list of strings")
            items.append(
                Item(
                    set_name=name,
                    id=str(row["id"]),
                    turns=tuple(turns),
                    expect=str(row["expect"]),
                    tags=tuple(row.get("tags", ())),
                )
            )
    return items


def load_sets(
    names: Iterable[str] = GUARD_SETS, sets_dir: Path = SETS_DIR
) -> dict[str, list[Item]]:
    return {name: load_set(name, sets_dir) for name in names}


def screen_item(item: Item, *, vec=None, settings=None, stored=None):
    """Run one item through the screen; earlier turns are user turns of the history."""
    from bot.safety.screen import decide
    from bot.types import Turn

    history = [Turn(role="user", text=t) for t in item.history]
    return decide(history, item.message, query_vec=vec, settings=settings, stored=stored)


def figures(results: dict[str, list[tuple[Item, str]]]) -> dict[str, dict[str, float]]:
    """Per-set figures: recall (crisis), false crisis rate (look-alikes), accuracy (others)."""
    out: dict[str, dict[str, float]] = {}
    for name, rows in results.items():
        if not rows:
            continue
        n = len(rows)
        correct = sum(1 for item, route in rows if item.ok(route))
        entry = {"n": n, "accuracy": correct / n}
        crisis = [route for item, route in rows if item.expect == "crisis"]
        if name == "guard_crisis" and crisis:
            entry["recall"] = sum(1 for r in crisis if r == "crisis") / len(crisis)
        negatives = [route for item, route in rows if item.expect != "crisis"]
        if name in ("guard_lookalikes", GOLD_SET) and negatives:
            entry["false_crisis"] = sum(1 for r in negatives if r == "crisis") / len(negatives)
        out[name] = entry
    return out


def print_figures(title: str, figs: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    for name, f in figs.items():
        extra = ""
        if "recall" in f:
            extra = f"  crisis recall {f['recall']:.1%}"
        if "false_crisis" in f:
            extra = f"  false crisis {f['false_crisis']:.1%}"
        print(f"  {name:22} n={f['n']:4d}  accuracy {f['accuracy']:.1%}{extra}")


def run_all(sets: dict[str, list[Item]], vecs: dict[str, np.ndarray] | None, settings=None
            ) -> tuple[dict[str, list[tuple[Item, object]]], list[float]]:
    from bot.safety import screen as guard

    out: dict[str, list[tuple[Item, object]]] = {}
    cost: list[float] = []
    for name, rows in sets.items():
        out[name] = []
        for it in rows:
            with guard._CACHE_LOCK:
                guard._CACHE.clear()
            t = time.perf_counter()
            r = screen_item(it, vec=None if vecs is None else vecs[it.id], settings=settings)
            cost.append((time.perf_counter() - t) * 1000)
            out[name].append((it, r))
    return out, cost


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", action="store_true", help="print every miss")
    args = ap.parse_args(argv)
    from bot.config import Settings

    sets = load_sets((*GUARD_SETS, GOLD_SET))
    settings = Settings()
    emb = settings.get_embedder()
    items = [it for rows in sets.values() for it in rows]
    vecs = dict(zip([it.id for it in items], emb.encode([it.message for it in items]), strict=True))
    summary = {}
    for title, v in (("rules + n-gram model (no vector)", None), ("full screen (MiniLM vector)", vecs)):
        results, cost = run_all(sets, v, settings)
        figs = figures({n: [(it, r.name) for it, r in rows] for n, rows in results.items()})
        print_figures(title, figs)
        print(f"  screen cost per turn: p50 {np.percentile(cost, 50):.2f} ms, "
              f"p95 {np.percentile(cost, 95):.2f} ms, max {max(cost):.1f} ms")
        summary[title] = figs
        if args.report:
            for rows in results.values():
                for it, r in rows:
                    if not it.ok(r.name):
                        print(f"    miss {it.id}: expect {it.expect}, got {r.name} ({r.reason})")
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
