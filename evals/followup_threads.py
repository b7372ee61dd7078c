"""Two-message threads: is a short second message read with the first when it leans on it,
and matched alone when it is a new question?

    python -m evals.followup_threads [--set FILE] [--out FILE] [--bare-off]

The set (evals/sets/threads/followup_dev.jsonl) was written at stop 31 by a helper session that
saw neither the corpus nor the code: `first`, `then`, `kind` ("follow_up": `then` leans on
`first`; "fresh": a new short question) and `means` (what `then` asks, spelled out). It is a dev
set: the GENERIC words of bot.retrieval.match were changed after reading its results.
This prints, per kind, how many second messages were condensed and answered, and writes every
reply's route and cited passages for a reader to judge against `means`. `--bare-off` switches
off the bare follow-up rule (BARE_MAX_WORDS = 0) to compare.

evals/sets/threads/followup_test.jsonl (stop 32: 100 threads, 65 follow-ups and 35 new short
questions, 8 in Spanish) was written the same way by another helper session and is the held-out
set. It is judged blind, comparing two versions of the bot:

    python -m evals.followup_threads --set S --out before.json      # at the old commit
    python -m evals.followup_threads --set S --out after.json       # at the new one
    python -m evals.followup_threads --set S --judge before.json after.json --judge-dir DIR
    # a judge who sees neither code nor corpus writes DIR/verdicts.jsonl, one line per reply:
    # {"reply_id", "verdict": right|partly|wrong|declined|boundary_ok|boundary_bad|crisis, "note"}
    python -m evals.followup_threads --set S --tally DIR

`--judge` writes DIR/threads_to_judge.jsonl (each thread with its distinct replies, the shown
passages in full, in a shuffled order) and DIR/key.json (which reply each version gave, for
`--tally` only).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "evals" / "sets" / "threads" / "followup_dev.jsonl"


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        if not {"id", "first", "then", "kind", "means"} <= set(r) or r["kind"] not in ("follow_up", "fresh"):
            raise ValueError(f"{path}: a thread needs id, first, then, kind (follow_up|fresh), means: {r.get('id')}")
    return rows


def run(rows: list[dict], bot) -> list[dict]:
    from bot.types import Turn

    out = []
    for t in rows:
        one = bot.respond([], t["first"])
        two = bot.respond([Turn("user", t["first"]), Turn("assistant", one.text, one.route)], t["then"])
        out.append({"id": t["id"], "kind": t["kind"], "means": t["means"], "route": two.route,
                    "condensed": two.audit.get("condensed") or False,
                    "cited": [c.key for c in two.citations]})
    return out


def judge_input(rows: list[dict], versions: dict[str, list[dict]], passages: dict, seed: int = 32) -> tuple[list, dict]:
    """The judge's file (each thread with its distinct replies in a shuffled order, passages in
    full) and the key of which reply each version gave."""
    import random

    rng = random.Random(seed)
    by_version = {name: {r["id"]: r for r in res} for name, res in versions.items()}
    items, key = [], {}
    for t in rows:
        distinct: list[tuple] = []
        for name in versions:
            r = by_version[name][t["id"]]
            if (r["route"], tuple(r["cited"])) not in distinct:
                distinct.append((r["route"], tuple(r["cited"])))
        order = list(range(len(distinct)))
        rng.shuffle(order)
        replies = [{"reply_id": f"{t['id']}-{chr(65 + i)}", "route": distinct[j][0],
                    "passages": [{"key": k, "heading": passages[k].section, "text": passages[k].text}
                                 for k in distinct[j][1]]} for i, j in enumerate(order)]
        key[t["id"]] = {}
        for name in versions:
            r = by_version[name][t["id"]]
            slot = order.index(distinct.index((r["route"], tuple(r["cited"]))))
            key[t["id"]][name] = f"{t['id']}-{chr(65 + slot)}"
        items.append({k: t[k] for k in ("id", "first", "then", "kind", "means")} | {"replies": replies})
    return items, key


def tally(rows: list[dict], key: dict, verdicts: dict[str, dict]) -> dict[str, dict[str, Counter]]:
    """Verdict counts per version and kind; raises if a reply has no verdict."""
    kinds = {t["id"]: t["kind"] for t in rows}
    out: dict[str, dict[str, Counter]] = {}
    for tid, by_version in key.items():
        for name, reply_id in by_version.items():
            if reply_id not in verdicts:
                raise ValueError(f"no verdict for {reply_id}")
            out.setdefault(name, {}).setdefault(kinds[tid], Counter())[verdicts[reply_id]["verdict"]] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "followup_threads.json")
    parser.add_argument("--bare-off", action="store_true", help="switch off the bare follow-up rule")
    parser.add_argument("--judge", type=Path, nargs=2, metavar=("BEFORE", "AFTER"),
                        help="two result files: write the blind judge's input to --judge-dir")
    parser.add_argument("--judge-dir", type=Path, default=ROOT / "data" / "thread_judge")
    parser.add_argument("--tally", type=Path, metavar="DIR", help="count DIR/verdicts.jsonl per version and kind")
    args = parser.parse_args(argv)
    rows = load(args.set)
    if args.tally:
        key = json.loads((args.tally / "key.json").read_text(encoding="utf-8"))
        verdicts = {v["reply_id"]: v for v in map(json.loads, (args.tally / "verdicts.jsonl").read_text(
            encoding="utf-8").splitlines()) if v}
        for name, kinds in tally(rows, key, verdicts).items():
            for kind, counts in sorted(kinds.items()):
                print(f"{name:8} {kind:10} " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
        return 0
    if args.judge:
        from bot.chat import Assistant
        from bot.config import Settings

        passages = {p.key: p for p in Assistant(Settings()).retriever.index().passages}
        versions = {name: json.loads(path.read_text(encoding="utf-8")) for name, path in zip(("before", "after"), args.judge, strict=True)}
        items, key = judge_input(rows, versions, passages)
        args.judge_dir.mkdir(parents=True, exist_ok=True)
        (args.judge_dir / "threads_to_judge.jsonl").write_text(
            "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        (args.judge_dir / "key.json").write_text(json.dumps(key, indent=1), encoding="utf-8")
        print(f"{len(items)} threads, {sum(len(i['replies']) for i in items)} replies to judge: {args.judge_dir}")
        return 0
    import bot.retrieval.match as match
    from bot.chat import Assistant
    from bot.config import Settings

    if args.bare_off:
        match.BARE_MAX_WORDS = 0
    results = run(rows, Assistant(Settings()))
    for kind in ("follow_up", "fresh"):
        rows = [r for r in results if r["kind"] == kind]
        routes = Counter(r["route"] for r in rows)
        print(f"{kind:10} {len(rows):3} threads, condensed {sum(bool(r['condensed']) for r in rows)}, "
              + ", ".join(f"{k} {v}" for k, v in sorted(routes.items())))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
