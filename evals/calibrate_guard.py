"""Train and calibrate the semantic layer of the safety screen (bot/safety/screen.py).

How to run (from the repo root, offline; the bundled MiniLM loads in a few seconds):

    .venv/bin/python -m evals.calibrate_guard              # print tables, write the model
    .venv/bin/python -m evals.calibrate_guard --dry-run    # print only
    .venv/bin/python -m evals.calibrate_guard --report     # also print every dev-set miss

What it does:

1. Embeds the labelled exemplars in bot/safety/data/guard_exemplars.jsonl (the semantic layer's
   training data; none of them is a dev-set item) and fits the logistic regression
   bot.safety.screen uses, for each C in C_GRID. The crisis and safe exemplar vectors are kept for
   the nearest-neighbour crisis check (float16, if under 1 MB).
2. Loads the dev sets evals/sets/guard_*.jsonl, and the retrieval gold questions (which
   must all go on to retrieval, so they count as negatives for every route), and splits
   them by a stable hash of the item id: half for calibration, half held out. Everything
   is chosen on the calibration half only.
3. Crisis is calibrated toward recall: a missed crisis is far worse than an extra crisis
   reply. For each C, over a grid of (classifier threshold, nearest-neighbour similarity,
   nearest-neighbour margin), it measures the semantic layer *on its own* (with the same
   gates the screen applies) and keeps the setting with the highest crisis recall whose
   false-crisis rate on look-alikes, and on the other non-crisis items, stays within
   CRISIS_FP_BUDGET. The C with the best recall wins (ties: the smaller C).
4. Clinic, boundary and out_of_scope keep the precision target (0.95) with floors, as
   before; items the rules already route to crisis do not count for them.
5. Runs the whole screen on the held-out half and on all items, with and without query
   vectors, prints per-set figures and the per-turn cost, and writes
   bot/safety/data/guard_model.json (classes, coef, intercept, thresholds, exemplar hash,
   embedder, figures) and bot/safety/data/guard_knn.npy. bot.safety.screen loads them in milliseconds;
   it retrains at run time only when the exemplar hash or the embedder differs.

Re-run it whenever bot/safety/data/guard_exemplars.jsonl or the dev sets change (a test fails
while the stored model's exemplar hash is stale).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
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
GOLD_SET = "retrieval_gold"  # retrieval questions: every one must be routed "continue"
ROUTES = ("crisis", "clinic", "boundary", "out_of_scope")
TARGET_PRECISION = {"clinic": 0.95, "boundary": 0.95, "out_of_scope": 0.95}
FLOOR = {"crisis": 0.50, "clinic": 0.65, "boundary": 0.70, "out_of_scope": 0.75}
CRISIS_FP_BUDGET = 0.005  # semantic layer alone, calibration half
C_GRID = (4.0, 8.0, 16.0)
GRID = [round(x, 3) for x in np.arange(0.40, 0.991, 0.025)]
KNN_GRID = [round(x, 3) for x in np.arange(0.55, 0.901, 0.025)] + [0.99]
MARGIN_GRID = (0.0, 0.02, 0.04, 0.06, 0.08)


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


def screen_item(item: Item, *, vec=None, settings=None, thresholds=None, model=None):
    """Run one item through the screen; earlier turns are user turns of the history."""
    from bot.safety.screen import decide
    from bot.types import Turn

    history = [Turn(role="user", text=t) for t in item.history]
    return decide(
        history,
        item.message,
        query_vec=vec,
        settings=settings,
        thresholds=thresholds,
        model=model,
    )


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
        if name in ("guard_lookalikes", GOLD_SET):
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


@dataclass(frozen=True)
class Scored:
    """One calibration item seen by the semantic layer alone (gates applied)."""

    item: Item
    p: dict[str, float]  # gated class probabilities
    crisis_sim: float  # nearest crisis exemplar (0 when the crisis gate is closed)
    other_sim: float
    rule_route: str


def score_items(guard, model, items, vec_of, rule_route) -> list[Scored]:
    out = []
    for it in items:
        a = guard.analyse(it.message)
        vec = vec_of[id(it)]
        p = model.scores(vec)
        near = model.nearest(vec) or (0.0, 1.0)
        crisis_sim, other_sim = near
        if not a.semantic_crisis_allowed:
            p["crisis"], crisis_sim = 0.0, 0.0
        if a.clinic is not None or a.boundary is not None or a.generic_question or a.spanish:
            p["crisis"] = p["crisis"] if p["crisis"] >= guard.SEMANTIC_OVER_RULE else 0.0
            crisis_sim = 0.0
        if a.in_scope or a.past_history:
            p["out_of_scope"] = 0.0
        if not (a.first_person or a.session):
            p["clinic"] = 0.0
        if not a.boundary_cue:
            p["boundary"] = 0.0
        out.append(Scored(it, p, crisis_sim, other_sim, rule_route[id(it)]))
    return out


def choose_crisis(
    scored: list[Scored], gold: list[Scored]
) -> tuple[dict[str, float], dict[str, float]]:
    """Highest semantic-alone crisis recall within the false-crisis budget, with every
    retrieval gold question (all of them, not only the calibration half) left alone."""
    pos = [s for s in scored if s.item.expect == "crisis"]
    look = [s for s in scored if s.item.expect == "not_crisis"]
    other = [s for s in scored if s.item.expect not in ("crisis", "not_crisis")]
    best: tuple | None = None
    for t, k, m in itertools.product(GRID, KNN_GRID, MARGIN_GRID):
        if t < FLOOR["crisis"]:
            continue

        def hit(s: Scored, t=t, k=k, m=m) -> bool:
            knn = s.crisis_sim >= k and s.crisis_sim - s.other_sim >= m
            return s.p["crisis"] >= t or knn

        if any(hit(s) for s in gold):
            continue
        fp_look = sum(hit(s) for s in look) / max(1, len(look))
        fp_other = sum(hit(s) for s in other) / max(1, len(other))
        if fp_look > CRISIS_FP_BUDGET or fp_other > CRISIS_FP_BUDGET:
            continue
        recall = sum(hit(s) for s in pos) / max(1, len(pos))
        key = (recall, t, k, m)  # ties: the more conservative setting
        if best is None or key > best[0]:
            th = {"crisis": float(t), "knn_crisis": float(k), "knn_margin": float(m)}
            best = (key, th, fp_look, fp_other)
    if best is None:
        return {"crisis": max(GRID), "knn_crisis": 0.99, "knn_margin": 0.08}, {"recall": 0.0}
    (recall, *_), th, fp_look, fp_other = best
    return th, {"recall": recall, "fp_lookalikes": fp_look, "fp_other": fp_other}


def choose_route(route: str, scored: list[Scored], gold: list[Scored]) -> float:
    """Lowest threshold whose precision reaches the target, never below the floor, and above
    every retrieval gold question's score (all of them must go on to retrieval)."""
    gold_max = max((s.p[route] for s in gold if s.rule_route != "crisis"), default=0.0)

    def counts(s: Scored) -> bool:
        # items the rules already route to crisis never reach the later semantic routes
        if s.rule_route == "crisis":
            return False
        # a look-alike ("kill a Python process") may rightly be out of scope: for that route
        # only, not_crisis items are neither hits nor misses
        return not (route == "out_of_scope" and s.item.expect == "not_crisis")

    rows = [(s.item.expect == route, s.p[route]) for s in scored if counts(s)]
    n_pos = sum(1 for truth, _ in rows if truth)
    print(f"\nsemantic layer alone, route {route} (calibration half)")
    print("  thresh  precision  recall   tp   fp   fn")
    pick = None
    for t in GRID:
        tp = sum(1 for truth, p in rows if p >= t and truth)
        fp = sum(1 for truth, p in rows if p >= t and not truth)
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / n_pos if n_pos else 0.0
        if t in (0.5, 0.6, 0.7, 0.8, 0.9) or (pick is None and t >= FLOOR[route]):
            print(f"  {t:6.3f}  {prec:9.3f}  {rec:6.3f} {tp:4d} {fp:4d} {n_pos - tp:4d}")
        ok = prec >= TARGET_PRECISION[route] and tp + fp and t > gold_max
        if pick is None and t >= FLOOR[route] and ok:
            pick = t
    chosen = round(float(min(0.99, (pick if pick is not None else max(GRID)) + 0.025)), 3)
    print(f"  -> threshold {chosen}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print only; do not write")
    parser.add_argument("--report", action="store_true", help="print every dev-set miss")
    parser.add_argument("--out", type=Path, default=None, help="model file to write")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bot.config import Settings, offline_environment
    from bot.safety import screen as guard

    offline_environment()
    settings = Settings()
    embedder = settings.get_embedder()
    texts, labels = guard.load_exemplars()
    digest = guard.exemplar_hash()
    ex_vecs = guard.exemplar_vectors(embedder, texts, settings.data_dir / "cache", digest)
    print(f"exemplars: {len(texts)} ({digest}), embedder {guard._embedder_name(embedder)}")

    sets = load_sets()
    sets[GOLD_SET] = load_set(GOLD_SET)
    items = [it for rows in sets.values() for it in rows]
    dev_texts = {t.strip().lower() for it in items for t in it.turns}
    overlap = [t for t in texts if t.strip().lower() in dev_texts]
    if overlap:
        print(f"WARNING: {len(overlap)} exemplar(s) repeat dev-set messages: {overlap[:3]}")
    vecs = embedder.encode([it.message for it in items])
    vec_of = {id(it): v for it, v in zip(items, vecs, strict=True)}
    calib = [it for it in items if not is_holdout(it)]
    hold = [it for it in items if is_holdout(it)]
    print(f"dev items: {len(items)} (calibration {len(calib)}, held out {len(hold)})")
    rule_route = {id(it): screen_item(it, settings=settings).name for it in items}

    # crisis: for each C, the most recall within the false-crisis budget
    best = None
    gold_items = sets[GOLD_SET]
    print(f"\ncrisis, semantic layer alone (calibration half), budget {CRISIS_FP_BUDGET:.1%}")
    for c in C_GRID:
        model = guard.fit_model(ex_vecs, labels, c=c)
        gold = score_items(guard, model, gold_items, vec_of, rule_route)
        th, stats = choose_crisis(score_items(guard, model, calib, vec_of, rule_route), gold)
        print(
            f"  C={c:<5} recall {stats['recall']:.1%}  false crisis: look-alikes "
            f"{stats.get('fp_lookalikes', 0):.1%}, others {stats.get('fp_other', 0):.1%}  {th}"
        )
        if best is None or stats["recall"] > best[2]["recall"]:
            best = (c, model, stats, th)
    c, model, crisis_stats, thresholds = best
    print(f"  -> C={c}, {thresholds}")
    scored = score_items(guard, model, calib, vec_of, rule_route)
    gold = score_items(guard, model, gold_items, vec_of, rule_route)
    for route in ("clinic", "boundary", "out_of_scope"):
        thresholds[route] = choose_route(route, scored, gold)
    pair = (model, thresholds)

    def run(rows: list[Item], use_vec: bool) -> dict[str, list[tuple[Item, str]]]:
        res: dict[str, list[tuple[Item, str]]] = {}
        for it in rows:
            r = screen_item(
                it, vec=vec_of[id(it)] if use_vec else None, settings=settings, model=pair
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

    # per-turn cost of the screen itself given the vector, every analysis cache emptied first
    times = []
    for it in items:
        with guard._CACHE_LOCK:
            guard._CACHE.clear()
        t0 = time.perf_counter()
        screen_item(it, vec=vec_of[id(it)], settings=settings, model=pair)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    cost = {
        "mean_ms": round(sum(times) / len(times), 3),
        "p95_ms": round(times[int(0.95 * len(times))], 3),
        "max_ms": round(times[-1], 3),
    }
    print(f"\nscreen cost per turn, caches emptied: {cost} over {len(times)} items")

    if args.report:
        print("\nmisses (rules + semantic):")
        for rows in all_vec_res.values():
            for it, route in rows:
                if not it.ok(route):
                    print(f"  {it.id:18} expect={it.expect:12} got={route:12} {it.message[:80]!r}")

    if args.dry_run:
        return 0
    out = args.out or guard.MODEL_PATH
    guard.save_model(
        model,
        thresholds,
        digest=digest,
        embedder_name=guard._embedder_name(embedder),
        path=out,
        knn_path=out.parent / guard.KNN_PATH.name,
        extra={
            "classifier_c": c,
            "exemplars": len(texts),
            "calibrated_on": dt.date.today().isoformat(),
            "crisis_fp_budget": CRISIS_FP_BUDGET,
            "crisis_semantic_alone_calibration": crisis_stats,
            "target_precision": TARGET_PRECISION,
            "floor": FLOOR,
            "split": "sha256(id)[0] % 2: even = calibration, odd = held out",
            "held_out": held_vec,
            "held_out_rules_only": held_rules,
            "cost_per_turn": cost,
        },
    )
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
