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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "followup_threads.json")
    parser.add_argument("--bare-off", action="store_true", help="switch off the bare follow-up rule")
    args = parser.parse_args(argv)
    import bot.retrieval.match as match
    from bot.chat import Assistant
    from bot.config import Settings

    if args.bare_off:
        match.BARE_MAX_WORDS = 0
    results = run(load(args.set), Assistant(Settings()))
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
