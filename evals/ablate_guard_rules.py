"""Which crisis rule rows of bot/safety/tables/crisis.yaml still earn their place.

    .venv/bin/python -m evals.ablate_guard_rules                 # the report
    .venv/bin/python -m evals.ablate_guard_rules --model         # a row is also covered where
                                                                 # the (gated) model catches it
    .venv/bin/python -m evals.ablate_guard_rules --delete        # delete the redundant rows

For every crisis item of the team's dev sets (guard_crisis.jsonl) and every crisis or
harm_others row of the labelled sources in ../shared/data/crisis/, it lists each row of the
crisis tables that fires (CRISIS_STRONG and CRISIS_FP rows, the cue pairs in COMBOS, the
crisis rows of rules.yaml). A row is redundant when every item it fires on is also caught by
another remaining row of the same crisis kind (self, others, danger, medical) or, with
--model, by the stored model through the screen's gates. Rows are dropped greedily, least
useful first. The dev sets decide whether the result is kept: `python -m evals run
evals/sets/*.jsonl` must stay at 100% crisis and within 1% false crisis.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from bot.safety import rules
from bot.safety import screen as guard
from bot.safety.normalize import normalize

RULES_YAML = rules.TABLES_DIR / "crisis.yaml"  # CRISIS_STRONG and CRISIS_FP
TABLES = ("CRISIS_STRONG", "CRISIS_FP")


def fired_rows(text: str) -> set[tuple[str, int]]:
    """(table, row index) of every crisis row that fires on `text` (as bot.safety.screen._analyse
    reads it: normalised, masked, past history removed)."""
    norm = normalize(text)
    spanish = guard.is_spanish(text, norm)
    kept, _ = guard._past_history(guard._mask(norm))
    out: set[tuple[str, int]] = set()
    for i, (rule_id, pattern) in enumerate(rules.CRISIS_STRONG):
        for m in pattern.finditer(kept):
            if rule_id.startswith(("medical.", "danger.")) and guard._told_as_past(kept, m.start()):
                continue
            out.add(("CRISIS_STRONG", i))
            break
    for clause in guard._clauses(kept):
        personal = rules.FP_SUBJECT.search(clause) or (spanish and rules.SPANISH_FP.search(clause))
        if not personal and (rules.GENERIC_SUBJECT.search(clause) or rules.QUESTION_START.match(clause)):
            continue
        for i, (_, pattern) in enumerate(rules.CRISIS_FP):
            if pattern.search(clause):
                out.add(("CRISIS_FP", i))
    cues = guard._cues(kept, norm)
    for i, (a, b, _) in enumerate(rules.COMBOS):
        if a in cues and b in cues:
            out.add(("COMBOS", i))
    if rules.SOFT_PASSIVE.search(kept) and rules.DISTRESS.search(kept):
        out.add(("passive_distress", 0))
    if rules.INTENT_TAIL.search(kept) and rules.FICTION_DEATH.search(kept):
        out.add(("stated_intent", 0))
    if rules.FICTION.search(norm) and rules.FICTION_DEATH.search(norm) and rules.MEANS_ANY.search(norm):
        out.add(("fiction_means", 0))
    for row in guard.rule_rows():
        if row.table == "crisis" and row.pattern.search(norm):
            out.add(("yaml:" + row.id, 0))
    return out


def row_kind(key: tuple[str, int]) -> str:
    table, i = key
    if table in TABLES:
        rule_id = getattr(rules, table)[i][0]
    elif table == "COMBOS":
        rule_id = rules.COMBOS[i][2]
    elif table.startswith("yaml:"):
        row = next(r for r in guard.rule_rows() if r.id == table[5:])
        return row.kind or guard.crisis_kind(row.id)
    else:
        rule_id = table
    return guard.crisis_kind(rule_id)


def positives(data: Path | None) -> tuple[list[str], list[tuple[str, int]]]:
    """The crisis texts, and for each where it comes from: ("dev", -1) or (source, row index
    in evals.train_guard's row order)."""
    from evals.calibrate_guard import load_set

    texts = [t for it in load_set("guard_crisis") if it.expect == "crisis" for t in it.turns]
    origin = [("dev", -1)] * len(texts)
    if data is not None and data.is_dir():
        from bot.safety.model import EXEMPLARS_PATH
        from bot.safety.sources import TEAM, load_all

        rows, _ = load_all(data, EXEMPLARS_PATH)
        for n, e in enumerate(rows):
            if e.label in ("crisis", "harm_others") and e.source != TEAM:
                texts.append(e.text)
                origin.append((e.source, n))
    return texts, origin


def model_covered(texts: list[str], origin: list[tuple[str, int]]) -> np.ndarray:
    """The crisis kind ("self", "others") the model, through the screen's gates, routes the
    text to, or "" (a row is only covered by a model catch of its own kind), with the MiniLM
    vector and with the n-grams alone alike (the screen must hold with the embedder down). A source's
    row counts only when the model of the fold that held that source out catches it, at that
    fold's tiers (evals.train_guard's cached out-of-fold scores and data/eval-blind/summary.json),
    so a row is never dropped for a catch the model made on its own training data. Dev items
    are scored by the stored model."""
    import glob
    import json
    import os

    from bot.config import Settings
    from bot.retrieval.embed import default_embedder
    from bot.safety.sources import CLASSES
    from evals.train_guard import CACHE_DIR, OUT_DIR, embed_all, strip_tiers

    settings = Settings()
    out = np.full(len(texts), "", dtype=object)
    dev = [i for i, (src, _) in enumerate(origin) if src == "dev"]
    vecs = embed_all([texts[i] for i in dev], default_embedder(), prefix="dev-vectors")
    for i, v in zip(dev, vecs, strict=True):
        t = texts[i]
        a, norm = guard.analyse(t), normalize(t)
        kinds = set()
        for vec in (v, None):  # the full model, then the n-grams alone (the embedder down)
            scores = guard.model_scores(t, vec, settings)
            hit = guard.model_crisis(a, norm, scores) if scores is not None else None
            kinds.add(hit[1] if hit else "")
        out[i] = kinds.pop() if len(kinds) == 1 else ""
    summary = json.loads((OUT_DIR / "summary.json").read_text(encoding="utf-8"))
    tiers = {src: strip_tiers(t["full"]) for src, t in summary["tiers_by_fold"].items()}
    tiers_ng = {src: strip_tiers(t["ngram"]) for src, t in summary["tiers_by_fold"].items()}
    path = max(glob.glob(str(CACHE_DIR / "folds-*.npz")), key=os.path.getmtime)
    with np.load(path) as z:
        oof, oof_ng = z["oof"], z["oof_ng"]
    for i, (src, n) in enumerate(origin):
        if src == "dev":
            continue
        a, norm = guard.analyse(texts[i]), normalize(texts[i])
        gates = guard._model_gates(a, norm)
        kinds = set()
        for part, th in (("full", tiers[src]), ("ngram", tiers_ng[src])):
            kind_here = ""
            for tier, cls, kind in guard.MODEL_TIERS:
                k = CLASSES.index(cls)
                p = oof_ng[n, k] if part == "ngram" else oof[n, k]
                if part == "full" and tier == "crisis_strong":
                    p = min(p, oof_ng[n, k])
                if gates[tier] and p >= th[tier]:
                    kind_here = kind
                    break
            kinds.add(kind_here)
        out[i] = kinds.pop() if len(kinds) == 1 else ""
    return out


def redundant(fired: list[set], covered: np.ndarray) -> list[tuple[str, int]]:
    """Rows to drop, greedily, least useful first."""
    hits: dict[tuple[str, int], list[int]] = defaultdict(list)
    for n, keys in enumerate(fired):
        for k in keys:
            hits[k].append(n)
    kinds = {k: row_kind(k) for k in hits}
    every = [(t, i) for t in TABLES for i in range(len(getattr(rules, t)))]
    alive = set(every) | set(hits)
    dropped = []
    for key in sorted(every, key=lambda k: len(hits.get(k, ()))):
        ok = True
        for n in hits.get(key, ()):
            if covered[n] == kinds[key]:
                continue
            if not any(o != key and o in alive and kinds[o] == kinds[key] for o in fired[n]):
                ok = False
                break
        if ok:
            alive.discard(key)
            dropped.append(key)
    return dropped


def delete_rows(keys: list[tuple[str, int]], path: Path = RULES_YAML) -> int:
    """Delete the rows from the YAML table file; returns the number of lines removed. A row is
    its "    - id:" line and the lines under it, up to the next row, comment or table."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    starts: dict[str, list[int]] = {}  # table -> line index of each row
    table = None
    for n, ln in enumerate(lines):
        if ln[:1].isalpha():
            table = ln.split(":")[0]
        elif ln.startswith("    - id:") and table:
            starts.setdefault(table, []).append(n)
    gone: set[int] = set()
    for t, i in keys:
        if t not in TABLES:
            continue
        n = starts[t][i]
        gone.add(n)
        for m in range(n + 1, len(lines)):
            if not lines[m].startswith("      "):
                break
            gone.add(m)
    path.write_text("".join(ln for n, ln in enumerate(lines) if n not in gone), encoding="utf-8")
    return len(gone)


def main(argv: list[str] | None = None) -> int:
    from evals.train_guard import DEFAULT_DATA

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", action="store_true", help="the gated model also covers a catch")
    ap.add_argument("--delete", action="store_true", help="delete the redundant rows from tables/crisis.yaml")
    args = ap.parse_args(argv)
    texts, origin = positives(args.data)
    fired = [fired_rows(t) for t in texts]
    covered = model_covered(texts, origin) if args.model else np.full(len(texts), "", dtype=object)
    drop = redundant(fired, covered)
    n_rows = sum(len(getattr(rules, t)) for t in TABLES)
    caught = sum(1 for f in fired if f)
    print(f"{len(texts)} crisis texts, {caught} caught by a rule row, {int((covered != '').sum())} by the model; "
          f"{len(drop)} of {n_rows} rows redundant", file=sys.stderr)
    for t, i in drop:
        print(f"  {t}[{i}] {getattr(rules, t)[i][0]}")
    if args.delete:
        n = delete_rows(drop)
        print(f"deleted {len(drop)} rows, {n} lines of {RULES_YAML}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
