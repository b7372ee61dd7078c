"""Score the real question set: does the bot answer with a right passage, decline rightly,
never pad with the popular article, and show only verbatim, cited text?

    .venv/bin/python -m evals.score_real evals/sets/real/dev.jsonl [--out DIR] [--show-misses]

Each item (JSONL) has `text` (or `turns`: the user turns of a conversation), `expect` ("answer" or anything else: decline) and, for an
answerable one, `expect_passages`: ["doc-id#heading", ...] (any cited passage among them
counts). Runs every item through bot.chat.respond over the ingested index (BOT_DATA_DIR,
BOT_CORPUS_DIR) and writes score_real_<set>.json plus a short table. Targets (issue 11):
>= 90% answered right, >= 95% declined rightly, 0 padding, 100% verbatim.

The asked-before questions (bot.retrieval.asked) come from the dev sets; a set is scored with
the memory less its own questions (its file stem is their origin), so a dev set's figure is the
other sets' memory at work, never its own labels. --no-asked scores the decision alone.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from bot.chat import Assistant
from bot.config import Settings
from bot.text import MARKER_RE, unescape_md
from bot.types import Reply, Turn, split_conversation, turn_text

TARGETS = {"answered_right_rate": 0.90, "declined_rate": 0.95, "padding": 0, "verbatim_rate": 1.0}
MARK_RE = re.compile(r"\s*" + MARKER_RE.pattern)  # the [n] marker with the space before it
LABEL_RE = re.compile(r"(?<!\\)\*(?:[^*\\]|\\.)+(?<!\\)\*")


def _norm(text: str) -> str:
    text = re.sub(r"^\s*(?:[-*+•]|\d+[.)])\s+", "", text, flags=re.M)  # list markers as rendered
    return re.sub(r"\s+", " ", text).strip()


def verbatim(reply: Reply) -> bool:
    """Every run of shown text that ends in [n] is verbatim in passage n (the labels in *...*
    and any fixed lead text before a passage are not source text)."""
    by_n = {c.n: _norm(c.passage) for c in reply.citations}
    pieces = MARK_RE.split(reply.text)
    for i in range(1, len(pieces), 2):
        n = int(pieces[i])
        if n not in by_n:
            return False
        shown = pieces[i - 1].split("\n---\n")[-1]
        shown = _norm(unescape_md(LABEL_RE.sub("", shown)))
        if not shown:
            continue
        passage = by_n[n]
        if not (shown in passage or shown.endswith(passage)):
            return False
    return True


def padded(reply: Reply) -> bool:
    """A popular-article passage cited outside a claim card."""
    return any(c.source_type == "popular_article" for c in reply.citations) and not reply.extras.get("claim_cards")


def score(items: list[dict], assistant: Assistant) -> dict[str, Any]:
    rows = []
    try:  # a suggestion is a section heading (in the reply's language); its passage key
        key_of = {p.section: p.key for p in assistant.retriever.index().passages}
    except Exception:  # noqa: BLE001 - a store that is down: no suggestions are scored
        key_of = {}
    for item in items:
        if (conversation := split_conversation(item)) is not None:  # the last user turn is scored
            before, message = conversation
            history = [Turn("user", turn_text(t)) for t in before]
        else:
            history, message = item.get("history") or [], item["text"]
        reply = assistant.respond(history, message, item.get("locale"))
        answerable = item.get("expect", "answer") == "answer"
        keys = [c.key for c in reply.citations]
        want = set(item.get("expect_passages") or [])
        rows.append({
            "id": item.get("id", ""), "answerable": answerable, "route": reply.route, "cited": keys,
            "right": answerable and bool(want & set(keys)), "answered": bool(reply.citations),
            "padding": padded(reply), "verbatim": verbatim(reply), "condensed": bool(reply.audit.get("condensed")),
            "best_p": reply.audit.get("best_p"), "no_answer_reason": reply.audit.get("no_answer_reason", ""),
            "expect_passages": sorted(want),
            # declined, but a right passage's question is among the "questions I can answer"
            "suggested_right": answerable and not reply.citations
            and bool(want & {key_of.get(q) for q in reply.extras.get("suggestions", [])}),
            # declined, and the best-ranked passage (the first suggestion) is a right one: the
            # ranking was right and only the decision to answer was not
            "declined_top_right": answerable and not reply.citations
            and key_of.get((reply.extras.get("suggestions") or [""])[0]) in want,
        })
    ans = [r for r in rows if r["answerable"]]
    dec = [r for r in rows if not r["answerable"]]
    summary = {
        "items": len(rows), "answerable": len(ans), "answered_right": sum(r["right"] for r in ans),
        "answered_other_passage": sum(r["answered"] and not r["right"] for r in ans),
        "declined_answerable": sum(not r["answered"] for r in ans),
        "declined_right_suggested": sum(r["suggested_right"] for r in ans),
        "to_decline": len(dec), "declined": sum(not r["answered"] for r in dec),
        "answered_when_should_decline": sum(r["answered"] for r in dec),
        "padding": sum(r["padding"] for r in rows), "verbatim": sum(r["verbatim"] for r in rows),
    }
    summary["answered_right_rate"] = round(summary["answered_right"] / len(ans), 4) if ans else None
    summary["declined_rate"] = round(summary["declined"] / len(dec), 4) if dec else None
    summary["verbatim_rate"] = round(summary["verbatim"] / len(rows), 4) if rows else None
    summary["meets_targets"] = all(
        summary[k] is None or (summary[k] <= v if k == "padding" else summary[k] >= v) for k, v in TARGETS.items())
    return {"summary": summary, "targets": TARGETS, "items": rows}


def table(result: dict[str, Any], name: str) -> str:
    s = result["summary"]

    def pct(k: str) -> str:
        return "n/a" if s[k] is None else f"{100 * s[k]:.1f}%"

    return "\n".join([
        f"| {name} | count | rate | target |", "|---|---|---|---|",
        f"| answerable answered with a right passage | {s['answered_right']}/{s['answerable']} | "
        f"{pct('answered_right_rate')} | >= 90% |",
        f"| answerable answered with another passage | {s['answered_other_passage']} | | |",
        f"| answerable declined | {s['declined_answerable']} | | |",
        f"| — of them, a right passage's question among the suggestions | {s['declined_right_suggested']} | | |",
        f"| to decline, declined | {s['declined']}/{s['to_decline']} | {pct('declined_rate')} | >= 95% |",
        f"| answered when it should have declined | {s['answered_when_should_decline']} | | |",
        f"| popular-article padding | {s['padding']} | | 0 |",
        f"| replies verbatim and cited | {s['verbatim']}/{s['items']} | {pct('verbatim_rate')} | 100% |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("data") / "score_real")
    parser.add_argument("--show-misses", action="store_true", help="list the ids of misses (no text)")
    parser.add_argument("--no-asked", action="store_true",
                        help="answer without the asked-before questions (bot.retrieval.asked)")
    args = parser.parse_args(argv)
    settings = Settings.from_env(audit_log=False)
    assistant = Assistant(settings)
    memory = None if args.no_asked else assistant.retriever.asked_before()
    args.out.mkdir(parents=True, exist_ok=True)
    ok = True
    for path in args.sets:
        items = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        # a dev set is scored against the asked-before questions of the other sets only: its
        # own questions are in the memory, labelled, and would answer themselves
        assistant.retriever.use_asked_before(memory.without(f"{path.stem}:") if memory else None)
        result = score(items, assistant)
        out = args.out / f"score_real_{path.stem}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(table(result, path.name))
        print(f"wrote {out}")
        if args.show_misses:
            for r in result["items"]:
                if (r["answerable"] and not r["right"]) or (not r["answerable"] and r["answered"]):
                    print(f"  miss {r['id']}: route={r['route']} p={r['best_p']} cited={r['cited']} "
                          f"want={r['expect_passages']}")
        ok = ok and result["summary"]["meets_targets"]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
