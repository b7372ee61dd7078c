"""Command line: `python -m bot ask "question"` (see --help). Evaluators depend on these shapes."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import Settings, offline_environment
from bot.errors import BotError
from bot.types import Reply, split_conversation, turn_text


def reply_json(reply: Reply, item_id: Any = None) -> dict[str, Any]:
    """The public JSON shape of a Reply: id, route, text, citations, resources, audit."""
    data = reply.to_dict()
    out: dict[str, Any] = {}
    if item_id is not None:
        out["id"] = item_id
    out.update(route=data["route"], text=data["text"], citations=data["citations"],
               resources=data["resources"], audit=data["audit"])
    if data.get("notice"):
        out["notice"] = data["notice"]
    if data.get("extras"):
        out["extras"] = data["extras"]
    return out


def render_text(reply: Reply) -> str:
    """A reply for a person at a terminal."""
    lines = [f"[{reply.route}]", reply.text.replace("\\", "")]
    if reply.notice:
        lines.append(f"Note: {reply.notice}")
    if reply.citations:
        lines.append("\nSources:")
        for c in reply.citations:
            lines.append(f"  [{c.n}] {c.title} ({c.source_type.replace('_', ' ')}, {c.year}) - {c.section}")
            if c.url.startswith(("http://", "https://")):
                lines.append(f"      {c.url}")
    if reply.resources:
        lines.append("\nHelp right now:")
        for r in reply.resources:
            lines.append(f"  - {r.name}: {r.contact}" + (f" ({r.hours})" if r.hours else ""))
    for key in ("safety_plan", "grounding"):
        if reply.extras.get(key):
            lines.append("\n" + reply.extras[key])
    return "\n".join(lines)


def parse_item(line: str, lineno: int) -> tuple[Any, list[str], str]:
    """(id, history, message) from one batch line: {"id", "text"}, {"id", "turns": [...]} (the last
    turn is the message) or {"id", "turns", "text"} (earlier turns, then the message), or a
    question as plain text (a staff list of questions, one a line; its id is the line number).
    A line opening with "{" or "[" is read as JSON, and an error there is reported, not asked."""
    if not line.lstrip().startswith(("{", "[")):
        return lineno, [], line.strip()
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    item_id = obj.get("id", lineno)
    conversation = split_conversation(obj)
    if conversation is not None:
        earlier, message = conversation
        return item_id, [turn_text(t) for t in earlier], message
    if "text" in obj:
        return item_id, [], str(obj["text"] or "")
    raise ValueError("needs 'text' or a non-empty 'turns' list")


def run_batch(settings: Settings, src: Path, out: Path, locale: str | None) -> int:
    from bot.chat import respond

    errors = 0
    with open(src, encoding="utf-8") as fin, open(out, "w", encoding="utf-8") as fout:
        for lineno, line in enumerate(fin, start=1):
            if not line.strip():
                continue
            try:
                item_id, history, message = parse_item(line, lineno)
            except (ValueError, AttributeError) as exc:
                errors += 1
                print(f"{src}:{lineno}: skipped: {exc}", file=sys.stderr)
                fout.write(json.dumps({"id": lineno, "error": str(exc)}) + "\n")
                continue
            reply = respond(history, message, settings, locale=locale)
            fout.write(json.dumps(reply_json(reply, item_id), ensure_ascii=False) + "\n")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    parser = argparse.ArgumentParser(prog="python -m bot", description="Ask the vetted PTSD/ketamine assistant.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question (or a batch) with cited passages")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--json", action="store_true", help="print the Reply as one JSON object")
    ask.add_argument("--batch", type=Path, help="one item a line: JSONL {id, text} or {id, turns: [...]}, "
                     "or a plain-text question (its id is the line number)")
    ask.add_argument("--out", type=Path, help="JSONL output for --batch (default: stdout)")
    ask.add_argument("--locale", help="crisis resources locale: en-US, en-GB, en-CA, en-AU, es-US")
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    try:
        if args.batch:
            out = args.out or Path("/dev/stdout")
            return run_batch(settings, args.batch, out, args.locale)
        if args.question is None:
            parser.error("give a question, or --batch FILE")
        from bot.chat import respond

        reply = respond([], args.question, settings, locale=args.locale)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(reply_json(reply), ensure_ascii=False))
    else:
        print(render_text(reply))
    return 0
