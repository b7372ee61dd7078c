"""What the whole screen does with public rows: how often it routes them to crisis and how often a
reply that is not a crisis reply checks in (asks about suicide and carries every line).

    .venv/bin/python -m evals.public_check_in                  # 400 rows per folder, seed 45
    .venv/bin/python -m evals.public_check_in --n 800 --sources mexa3t_es,emoevent

The probe sets' look-alikes are written in the team's style and hid, in stop 45, that both team
models read ordinary public tweets as risk (a check-in outside the topics at a lower bar checked in
on 94 of 400 mexa3t_es tweets; evals/experiments/check_in.md, section 2). Run this before keeping
anything the team models decide. It needs ../shared/data/crisis/ (as evals/train_guard.py does);
the app and `make test` never do. The public model trained on these folders, so which rows reach a
check-in at all is not blind; the team models never saw them. Nothing read here is written out
but counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.safety.sources import READERS, Example, cap_words

RISK = ("crisis", "harm_others")


def sample(root: Path, name: str, n: int, seed: int) -> list[Example]:
    """Up to `n` rows of one folder, capped as training caps them, in a fixed shuffled order."""
    rows = [Example(cap_words(e.text), e.label, e.source, e.lang, e.original) for e in READERS[name](root / name)]
    random.Random(seed).shuffle(rows)
    return rows[:n]


def tally(rows: Iterable[Example], decide: Callable[[str], tuple[str, tuple[str, ...]]]) -> dict[str, dict[str, int]]:
    """Per side ("risk": crisis or harm_others rows; "safe": the rest) the rows, those routed to
    crisis, and those not routed to crisis whose route carries the `check_in` flag."""
    out: dict[str, Counter] = {"risk": Counter(), "safe": Counter()}
    for row in rows:
        route, flags = decide(row.text)
        side = out["risk" if row.label in RISK else "safe"]
        side["n"] += 1
        side["crisis"] += route == "crisis"
        side["check_in"] += route != "crisis" and "check_in" in flags
    return {side: dict(counts) for side, counts in out.items() if counts["n"]}


def screen_decider() -> Callable[[str], tuple[str, tuple[str, ...]]]:
    """The shipped screen with the bundled MiniLM vector, one message at a time, no history."""
    from bot.config import Settings
    from bot.safety import screen

    settings = Settings()
    embedder = settings.get_embedder()

    def decide(text: str) -> tuple[str, tuple[str, ...]]:
        route = screen.decide([], text, query_vec=embedder.encode([text])[0], settings=settings)
        return route.name, tuple(route.flags)

    return decide


def main(argv: list[str] | None = None) -> int:
    from evals.train_guard import DEFAULT_DATA

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="../shared/data/crisis")
    ap.add_argument("--n", type=int, default=400, help="rows per folder (default 400)")
    ap.add_argument("--seed", type=int, default=45)
    ap.add_argument("--sources", default=",".join(READERS), help="comma-separated folder names")
    ap.add_argument("--out", type=Path, help="also write the counts here as JSON")
    args = ap.parse_args(argv)
    names = [s for s in args.sources.split(",") if s]
    unknown = [s for s in names if s not in READERS]
    if unknown:
        print(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(READERS)}", file=sys.stderr)
        return 2
    if not args.data.is_dir():
        print(f"no data at {args.data} (see ../shared/data/crisis/DATA.md)", file=sys.stderr)
        return 2
    decide = screen_decider()
    report = {}
    for name in names:
        if not (args.data / name).is_dir():
            print(f"{name}: folder missing, skipped", file=sys.stderr)
            continue
        report[name] = tally(sample(args.data, name, args.n, args.seed), decide)
        for side, c in report[name].items():
            print(f"{name:22s} {side:4s} n={c['n']:5d}  crisis {c['crisis']:4d} ({c['crisis'] / c['n']:6.1%})"
                  f"  check-in {c['check_in']:4d} ({c['check_in'] / c['n']:6.1%})")
    if args.out:
        args.out.write_text(json.dumps({"n": args.n, "seed": args.seed, "sources": report}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
