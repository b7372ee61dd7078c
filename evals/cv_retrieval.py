"""Grouped cross-validation of the passage decision's recipe (evals/calibrate_retrieval.py).

    BOT_DATA_DIR=... .venv/bin/python -m evals.cv_retrieval [--folds 5] [--seeds 3]

Data (dev only; evals/sets/real/test.jsonl is never read here):
- evals/sets/real/dev.jsonl, dev2.jsonl and dev3.jsonl (real questions), grouped by `page`:
  one page never straddles fit and check;
- evals/sets/retrieval_gold.jsonl (both halves), grouped by document (a decline on its own);
- evals/sets/real/decline_dev.jsonl (team-written, not real patient text), grouped by the
  document it names (a decline on its own); reported apart;
- the corpus's own questions left out in turn: always in the fit, never checked.

Each recipe is fitted on k-1 folds (threshold included) and checked on the last; the counts
of every check fold (and every seed's fold assignment) are summed. Recipes:
- old: the previous one (features qsim psim lex lexq chars gap, corpus questions weighing as
  much as each other origin, the threshold declining 95% of the real dev and gold declines,
  decline_dev.jsonl not fitted);
- new: the current one (calibrate_retrieval.FIT_FEATURES, ALSO_WEIGHT, MIN_DECLINE of the
  pooled declines, decline_dev.jsonl fitted).
The shipped decision.json is also scored as it is (in-sample: it was fitted on dev).
"""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

from bot.config import Settings
from bot.retrieval.decide import LEGACY, calibrated
from bot.retrieval.match import Retriever
from evals.calibrate_retrieval import (
    ALSO_WEIGHT,
    FIT_FEATURES,
    MIN_DECLINE,
    Row,
    build_rows,
    dev_items,
    evaluate,
    fold_of,
    gold_items,
    group_of,
    leave_one_out,
    to_query,
    train,
)

SETS = Path(__file__).parent / "sets" / "real"
REAL, REAL2, REAL3, TEAM = "dev.jsonl", "dev2.jsonl", "dev3.jsonl", "decline_dev.jsonl"
CHECKED = ("dev.jsonl", "dev2.jsonl", "dev3.jsonl", "gold", "decline_dev.jsonl")

RECIPES = {
    "old": dict(features=LEGACY, min_decline=0.95, also_weight=1.0, origins={"gold", REAL}, team=False),
    "new": dict(features=FIT_FEATURES, min_decline=MIN_DECLINE, also_weight=ALSO_WEIGHT, origins=None, team=True),
    # the same ranking, and the gate (boosted trees over the whole ranking) deciding to answer
    "gate": dict(features=FIT_FEATURES, min_decline=MIN_DECLINE, also_weight=ALSO_WEIGHT, origins=None, team=True,
                 gate=True),
    # the same recipe without the second real dev set in any fit (its folds are still checked)
    "new-nodev2": dict(features=FIT_FEATURES, min_decline=MIN_DECLINE, also_weight=ALSO_WEIGHT, origins=None,
                       team=True, skip={REAL2}),
    # the same recipe without the third real dev set in any fit (its folds are still checked)
    "new-nodev3": dict(features=FIT_FEATURES, min_decline=MIN_DECLINE, also_weight=ALSO_WEIGHT, origins=None,
                       team=True, skip={REAL3}),
}


def add(a: dict, b: dict) -> dict:
    return {k: a.get(k, 0) + b[k] for k in ("answerable", "answered_right", "answered_wrong",
                                             "declined_right_suggested", "decline", "declined")}


def fmt(c: dict) -> str:
    a, n = c["answerable"], c["decline"]
    right = f"{c['answered_right']}/{a} ({100 * c['answered_right'] / a:.1f}%)" if a else "-"
    declined = f"{c['declined']}/{n} ({100 * c['declined'] / n:.1f}%)" if n else "-"
    return (f"answered right {right}, answered wrong {c['answered_wrong']} (declined with a right suggestion "
            f"{c['declined_right_suggested']}), declined {declined}, answered when it should decline {n - c['declined']}")


def cross_validate(rows: list[Row], recipe: dict, folds: int, seeds: int) -> dict[str, dict]:
    fitted = [r for r in rows if (recipe["team"] or r.origin != TEAM) and r.origin not in recipe.get("skip", ())]
    tot: dict[str, dict] = {o: {} for o in CHECKED}
    for seed in range(seeds):
        for k in range(folds):
            d = train([r for r in fitted if r.origin == "also" or fold_of(r.group, folds, seed) != k],
                      recipe["features"], recipe["min_decline"], recipe["also_weight"], recipe["origins"],
                      second=False, gate=recipe.get("gate", False))
            for o in CHECKED:
                if o == TEAM and not recipe["team"]:
                    continue
                chk = [r for r in rows if r.origin == o and fold_of(r.group, folds, seed) == k]
                tot[o] = add(tot[o], evaluate(chk, d))
    if not recipe["team"]:  # fitted without it: the whole set is unseen by a model fitted on the rest
        d = train(fitted, recipe["features"], recipe["min_decline"], recipe["also_weight"], recipe["origins"],
                  second=False)
        tot[TEAM] = {k: v * seeds for k, v in evaluate([r for r in rows if r.origin == TEAM], d).items()
                     if not k.endswith("rate")}
    return tot


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=3, help="fold assignments to sum over")
    ap.add_argument("--recipes", default="old,new")
    ap.add_argument("--json", type=Path, help="write the counts here")
    ap.add_argument("--cache", type=Path, help="pickle the feature rows here, or read them if present "
                    "(only for the same corpus and code)")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    index = Retriever(settings).index()
    if args.cache and args.cache.is_file():
        rows = pickle.loads(args.cache.read_bytes())
    else:
        rows = feature_rows(index, settings)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(rows))
    report(index, rows, args)
    return 0


def feature_rows(index, settings) -> list[Row]:
    queries, groups = [], []
    for q in leave_one_out(index):
        queries.append(q)
        groups.append("also")
    for origin, items in (("gold", gold_items()), (REAL, dev_items(SETS / REAL)), (REAL2, dev_items(SETS / REAL2)),
                          (REAL3, dev_items(SETS / REAL3)), (TEAM, dev_items(SETS / TEAM))):
        for g in items:
            queries.append(to_query(g, origin))
            groups.append(group_of(g, origin))
    return build_rows(index, queries, groups, settings.get_embedder().encode)


def report(index, rows: list[Row], args) -> None:
    print(f"corpus {index.corpus_hash}; items: " + ", ".join(
        f"{o} {sum(r.origin == o for r in rows)}" for o in ("also", *CHECKED)))
    shipped = calibrated()
    print(f"\nshipped {shipped.source}, features {shipped.features}, threshold {shipped.threshold:.4f} "
          f"(in-sample: fitted on these dev sets)")
    for o in CHECKED:
        print(f"  {o}: {fmt(evaluate([r for r in rows if r.origin == o], shipped))}")
    out = {}
    for name in args.recipes.split(","):
        tot = cross_validate(rows, RECIPES[name], args.folds, args.seeds)
        print(f"\nrecipe {name} ({RECIPES[name]['features']}), grouped CV {args.folds} folds x {args.seeds} seeds")
        for o in CHECKED:
            unseen = " (not fitted; one model on the rest)" if o == TEAM and not RECIPES[name]["team"] else ""
            print(f"  {o}{unseen}: {fmt(tot[o])}")
        out[name] = tot
    if args.json:
        args.json.write_text(json.dumps({"corpus_hash": index.corpus_hash, "folds": args.folds,
                                         "seeds": args.seeds, "counts": out}, indent=2) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
