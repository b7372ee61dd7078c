"""Calibrate the semantic layer of the safety screen (bot/guard.py).

How to run (from the repo root, offline; the bundled MiniLM loads in a few seconds):

    .venv/bin/python -m evals.calibrate_guard              # print tables, write thresholds
    .venv/bin/python -m evals.calibrate_guard --dry-run    # print only
    .venv/bin/python -m evals.calibrate_guard --report     # also print every dev-set miss

What it does:

1. Embeds the labelled exemplars in bot/data/guard_exemplars.jsonl (the semantic layer's
   training data; none of them is a dev-set item) and fits the same logistic regression
   bot.guard uses.
2. Loads the dev sets evals/sets/guard_*.jsonl and splits them by a stable hash of the
   item id: half for calibration, half held out. Thresholds are chosen on the calibration
   half only.
3. For each route (crisis, clinic, boundary, out_of_scope) prints the precision and recall
   of the semantic layer *on its own* (with the same gates the screen applies: no semantic
   crisis on text the rules recognised as an idiom or past history; no semantic
   boundary without a personal or illicit cue; no semantic out_of_scope on text that names
   anything in scope; items the rules already route to
   crisis do not count for the later routes; look-alikes are neutral for out_of_scope)
   at candidate thresholds, and picks
   the lowest threshold whose precision on the calibration half reaches the target
   (crisis 1.0 against look-alikes, others 0.95), never below a floor.
4. Runs the whole screen on the held-out half with and without query vectors and prints
   per-set figures: crisis recall, false crisis on look-alikes, route accuracy.
5. Writes bot/data/guard_thresholds.json (thresholds, targets, exemplar hash, date,
   held-out figures), which bot.guard reads at start-up.

Re-run it whenever bot/data/guard_exemplars.jsonl or the dev sets change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SETS_DIR = ROOT / "evals" / "sets"
GUARD_SETS = (
    "guard_crisis",
    "guard_lookalikes",
    "guard_boundary",
    "guard_clinic",
    "guard_out_of_scope",
)
ROUTES = ("crisis", "clinic", "boundary", "out_of_scope")
TARGET_PRECISION = {"crisis": 1.0, "clinic": 0.95, "boundary": 0.95, "out_of_scope": 0.95}
FLOOR = {"crisis": 0.70, "clinic": 0.65, "boundary": 0.70, "out_of_scope": 0.75}
GRID = [round(x, 2) for x in np.arange(0.40, 0.991, 0.025)]


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
            turns = row.get("turns") or [row["text"]]
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


def is_holdout(item: Item) -> bool:
    """Stable half split by item id (independent of file order)."""
    return hashlib.sha256(item.id.encode()).digest()[0] % 2 == 1


def screen_item(item: Item, *, vec=None, settings=None, thresholds=None):
    """Run one item through the screen; earlier turns are user turns of the history."""
    from bot.guard import decide
    from bot.types import Turn

    history = [Turn(role="user", text=t) for t in item.history]
    return decide(history, item.message, query_vec=vec, settings=settings, thresholds=thresholds)


def figures(results: dict[str, list[tuple[Item, str]]]) -> dict[str, dict[str, float]]:
    """Per-set figures: recall (crisis), false crisis rate (look-alikes), accuracy (others)."""
    out: dict[str, dict[str, float]] = {}
    for name, rows in results.items():
        if not rows:
            continue
        n = len(rows)
        correct = sum(1 for item, route in rows if item.ok(route))
        entry = {"n": n, "accuracy": correct / n}
        if name == "guard_crisis":
            entry["recall"] = correct / n
        if name == "guard_lookalikes":
            entry["false_crisis"] = sum(1 for _, r in rows if r == "crisis") / n
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dry-run", action="store_true", help="print only; do not write thresholds"
    )
    parser.add_argument("--report", action="store_true", help="print every dev-set miss")
    parser.add_argument("--out", type=Path, default=None, help="thresholds file to write")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bot import guard
    from bot.config import Settings, offline_environment

    offline_environment()
    settings = Settings()
    embedder = settings.get_embedder()
    texts, labels = guard.load_exemplars()
    digest = guard.exemplar_hash()
    ex_vecs = guard.exemplar_vectors(embedder, texts, settings.data_dir / "cache", digest)
    model = guard.SemanticModel(ex_vecs, labels)
    print(f"exemplars: {len(texts)} ({digest}), embedder {getattr(embedder, 'name', '?')}")

    sets = load_sets()
    items = [it for rows in sets.values() for it in rows]
    dev_texts = {it.message.strip().lower() for it in items}
    overlap = [t for t in texts if t.strip().lower() in dev_texts]
    if overlap:
        print(f"WARNING: {len(overlap)} exemplar(s) repeat dev-set messages: {overlap[:3]}")
    vecs = embedder.encode([it.message for it in items])
    vec_of = {id(it): v for it, v in zip(items, vecs, strict=True)}
    calib = [it for it in items if not is_holdout(it)]
    hold = [it for it in items if is_holdout(it)]
    print(f"dev items: {len(items)} (calibration {len(calib)}, held out {len(hold)})")

    def gated_scores(it: Item) -> dict[str, float]:
        a = guard.analyse(it.message)
        p = model.scores(vec_of[id(it)])
        if not a.semantic_crisis_allowed:
            p["crisis"] = 0.0
        if a.in_scope or a.past_history:
            p["out_of_scope"] = 0.0
        if not (a.first_person or a.session):
            p["clinic"] = 0.0
        if not a.boundary_cue:
            p["boundary"] = 0.0
        return p

    def truth(it: Item, route: str) -> bool:
        return it.expect == route

    rule_route = {id(it): screen_item(it, settings=settings).name for it in calib}

    def counts(it: Item, route: str) -> bool:
        # items the rules already route to crisis never reach the later semantic routes
        if route != "crisis" and rule_route[id(it)] == "crisis":
            return False
        # a look-alike ("kill a Python process") may rightly be out of scope: for that route
        # only, not_crisis items are neither hits nor misses
        return not (route == "out_of_scope" and it.expect == "not_crisis")

    chosen: dict[str, float] = {}
    for route in ROUTES:
        print(f"\nsemantic layer alone, route {route} (calibration half)")
        print("  thresh  precision  recall   tp   fp   fn")
        scored = [(it, gated_scores(it)[route]) for it in calib if counts(it, route)]
        pos = sum(1 for it, _ in scored if truth(it, route))
        pick = None
        for t in GRID:
            tp = sum(1 for it, p in scored if p >= t and truth(it, route))
            fp = sum(1 for it, p in scored if p >= t and not truth(it, route))
            prec = tp / (tp + fp) if tp + fp else 1.0
            rec = tp / pos if pos else 0.0
            if t in (0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95) or (
                pick is None and t >= FLOOR[route]
            ):
                print(f"  {t:6.3f}  {prec:9.3f}  {rec:6.3f} {tp:4d} {fp:4d} {pos - tp:4d}")
            if (
                pick is None
                and t >= FLOOR[route]
                and prec >= TARGET_PRECISION[route]
                and tp + fp > 0
            ):
                pick = t
        chosen[route] = float(pick if pick is not None else max(GRID))
        # a small margin above the first threshold that met the target
        chosen[route] = round(min(0.99, chosen[route] + 0.025), 3)
        print(f"  -> threshold {chosen[route]}")

    # whole screen on the held-out half, with and without query vectors
    def run(rows: list[Item], use_vec: bool) -> dict[str, list[tuple[Item, str]]]:
        res: dict[str, list[tuple[Item, str]]] = {}
        for it in rows:
            r = screen_item(
                it, vec=vec_of[id(it)] if use_vec else None, settings=settings, thresholds=chosen
            )
            res.setdefault(it.set_name, []).append((it, r.name))
        return res

    held_vec = figures(run(hold, True))
    held_rules = figures(run(hold, False))
    all_vec_res = run(items, True)
    all_vec = figures(all_vec_res)
    all_rules = figures(run(items, False))
    print_figures("held-out half, rules + semantic (query_vec given)", held_vec)
    print_figures("held-out half, rules only (query_vec=None)", held_rules)
    print_figures("all dev items, rules + semantic", all_vec)
    print_figures("all dev items, rules only", all_rules)

    # per-turn cost of the screen itself, given the vector (after warm-up)
    for it in items[:50]:
        screen_item(it, vec=vec_of[id(it)], settings=settings, thresholds=chosen)
    t0 = time.perf_counter()
    for it in items:
        screen_item(it, vec=vec_of[id(it)], settings=settings, thresholds=chosen)
    per_turn_ms = (time.perf_counter() - t0) / len(items) * 1000
    print(
        f"\nscreen cost: {per_turn_ms:.3f} ms per turn (mean over {len(items)} dev items, cached analyses)"
    )

    if args.report:
        print("\nmisses (rules + semantic):")
        for rows in all_vec_res.values():
            for it, route in rows:
                if not it.ok(route):
                    print(f"  {it.id:18} expect={it.expect:12} got={route:12} {it.message[:80]!r}")

    if args.dry_run:
        return 0
    out = args.out or guard.THRESHOLDS_PATH
    payload = {
        "thresholds": chosen,
        "target_precision": TARGET_PRECISION,
        "floor": FLOOR,
        "exemplars_sha256_16": digest,
        "exemplars": len(texts),
        "embedder": getattr(embedder, "name", "?"),
        "calibrated_on": dt.date.today().isoformat(),
        "split": "sha256(id)[0] % 2: even = calibration, odd = held out",
        "held_out": held_vec,
        "held_out_rules_only": held_rules,
    }
    out.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
