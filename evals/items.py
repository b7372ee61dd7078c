"""Reading test sets: JSONL or CSV lines into checked items, and malformed lines into reports.

Public sets come as they are: `label_map` renames their labels (XSTest's "safe" and
"unsafe" with `--map safe=not_crisis,unsafe=crisis`), "prompt" or "question" stand for
"text" when "text" is absent, and an optional `source` and `lang` field on a line is kept
on the item (`data_source`, `lang`) so the report can show a row per slice. A conversation is
`turns` (the last turn is the message) or `turns` plus `text` (the earlier turns, then the
message; bot.types.split_conversation).

A malformed line (bad JSON, an unknown expect value, empty text or turns, a duplicate id,
a wrongly typed field) never stops a run: it is returned as a `Malformed` record that
names the file and the line, and every other line still runs.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.types import split_conversation, turn_text

EXPECTS = ("crisis", "not_crisis", "support", "clinic", "boundary", "out_of_scope", "answer",
           "no_answer")
TEXT_ALIASES = ("prompt", "question", "message")  # what public sets call the text
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)
TURN_SEP = "||"  # CSV: turns in one cell
LIST_SEP = "|"  # CSV: expect_any and tags in one cell


@dataclass
class Item:
    """One test case, ready to send to respond()."""

    id: Any
    expect: str
    history: list[Any]  # earlier turns: strings (user) or {"role", "text"} dicts
    message: str
    source: str  # "file:line"
    raw: dict[str, Any]  # the input object as read (other keys kept for the results)
    expect_any: list[str] | None = None
    tags: list[str] = field(default_factory=list)
    data_source: str = ""  # the line's own "source" field, else the set file's name
    lang: str = ""  # the line's "lang" field, if any


@dataclass
class Malformed:
    file: str
    line: int
    error: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "error": self.error}


class InputFileError(Exception):
    """A set file that cannot be read at all (missing, unknown format): a usage error."""


def _string_list(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{name}' must be a list of strings")
    out = [v.strip() for v in value if v.strip()]
    return out


def _turn_text(turn: Any) -> str:
    if not isinstance(turn, str | dict):
        raise ValueError("each turn must be a string or an object with 'text'")
    return turn_text(turn)


def parse_label_map(spec: str | None) -> dict[str, str]:
    """"safe=not_crisis,unsafe=crisis", or the path of a file with one "label=expect" a line
    (or a JSON object). Keys are matched case-insensitively; values must be known expects."""
    if not spec:
        return {}
    path = Path(spec)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        pairs = (json.loads(text).items() if text.lstrip().startswith("{") else
                 (line.split("=", 1) for line in text.splitlines()
                  if line.strip() and not line.lstrip().startswith("#")))
    else:
        pairs = (part.split("=", 1) for part in spec.split(",") if part.strip())
    out: dict[str, str] = {}
    for pair in pairs:
        if len(pair) != 2 or not str(pair[0]).strip():
            raise InputFileError(f"label map: cannot read {'='.join(map(str, pair))!r} (use label=expect)")
        key, value = str(pair[0]).strip().lower(), str(pair[1]).strip().lower()
        if value not in EXPECTS:
            raise InputFileError(f"label map: {value!r} is not one of {', '.join(EXPECTS)}")
        out[key] = value
    return out


def check_item(obj: Any, source: str, default_id: str, label_map: dict[str, str] | None = None
               ) -> Item:
    """Validate one decoded line. Raises ValueError with a message for the person fixing the set."""
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    label_map = label_map or {}
    expect = obj.get("expect", obj.get("label") if label_map else None)
    if isinstance(expect, str | int) and not isinstance(expect, bool) and str(expect).strip().lower() in label_map:
        expect = label_map[str(expect).strip().lower()]
    if not isinstance(expect, str) or not expect.strip():
        raise ValueError(f"missing 'expect' (one of {', '.join(EXPECTS)})")
    expect = expect.strip().lower()
    if expect not in EXPECTS:
        raise ValueError(f"unknown expect {obj.get('expect')!r} (one of {', '.join(EXPECTS)})")
    item_id = obj.get("id")
    if item_id is None or (isinstance(item_id, str) and not item_id.strip()):
        item_id = default_id
    elif not isinstance(item_id, str | int) or isinstance(item_id, bool):
        raise ValueError("'id' must be a string or an integer")

    turns = obj.get("turns")
    if turns is not None and turns != "":
        if not isinstance(turns, list) or not turns:
            raise ValueError("'turns' must be a non-empty list")
        if "text" in obj and not isinstance(obj["text"], str):
            raise ValueError("'text' must be a string")
        for t in turns:
            _turn_text(t)  # each turn a string or an object with 'text'
        history, message = split_conversation(obj) or ([], "")
        if len(history) < len(turns):  # the last turn is the message
            last = turns[-1]
            if isinstance(last, dict) and last.get("role") == "assistant":
                raise ValueError("the last turn must be the user's")
            if not message.strip():
                raise ValueError("empty text in the last turn")
    elif "text" in obj or any(k in obj for k in TEXT_ALIASES):
        if "text" not in obj:
            obj = {**obj, "text": obj[next(k for k in TEXT_ALIASES if k in obj)]}
        if not isinstance(obj["text"], str):
            raise ValueError("'text' must be a string")
        if not obj["text"].strip():
            raise ValueError("empty text")
        history, message = [], obj["text"]
    else:
        raise ValueError("needs 'text' or a non-empty 'turns' list")

    expect_any = _string_list(obj.get("expect_any"), "expect_any")
    if expect_any is not None and not expect_any:
        expect_any = None  # an empty list asks for nothing
    tags = _string_list(obj.get("tags"), "tags") or []
    data_source = obj.get("source")
    data_source = str(data_source).strip() if data_source not in (None, "") else Path(
        source.rsplit(":", 1)[0]).stem
    lang = str(obj.get("lang") or "").strip().lower()
    return Item(item_id, expect, history, message, source, obj, expect_any, tags, data_source, lang)


def _jsonl_rows(path: Path):
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, None, f"bad JSON: {exc.msg} (column {exc.colno})"
                continue
            yield lineno, obj, None


def _split(cell: str | None, sep: str) -> list[str]:
    return [p.strip() for p in (cell or "").split(sep) if p.strip()]


def csv_row_to_obj(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row with the JSONL columns: turns split on '||', expect_any and tags on '|'."""
    obj: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:  # more cells than headers
            raise ValueError("more cells than columns in the header")
        key = key.strip()
        value = "" if value is None else value
        if key == "turns":
            if value.strip():
                obj["turns"] = [t.strip() for t in value.split(TURN_SEP)]
        elif key in ("expect_any", "tags"):
            if value.strip():
                obj[key] = _split(value, LIST_SEP)
        elif key == "id":
            if value.strip():
                obj["id"] = value.strip()
        else:
            obj[key] = value
    if "turns" in obj and not obj.get("text", "").strip():
        obj.pop("text", None)
    return obj


def _csv_rows(path: Path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            return
        if not {"expect", "label"} & {f.strip() for f in reader.fieldnames}:
            yield 1, None, "the CSV header needs an 'expect' (or 'label') column"
            return
        last = reader.line_num  # the header's last line
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            try:
                yield start, csv_row_to_obj(row), None
            except ValueError as exc:
                yield start, None, str(exc)


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise InputFileError(f"{path}: unknown set format (use .jsonl or .csv)")


def load_sets(paths: list[Path], label_map: dict[str, str] | None = None
              ) -> tuple[list[Item], list[Malformed]]:
    """Every valid item of every file, in order, and every malformed line. Ids are unique
    across the whole run; a repeated id is malformed and the first one is kept. With a
    label_map, a line's "expect" (or, failing that, "label") is renamed through it."""
    for path in paths:
        if not path.is_file():
            raise InputFileError(f"{path}: no such file")
        file_kind(path)
    items: list[Item] = []
    bad: list[Malformed] = []
    seen: dict[str, str] = {}
    for path in paths:
        rows = _jsonl_rows(path) if file_kind(path) == "jsonl" else _csv_rows(path)
        name = str(path)
        for lineno, obj, error in rows:
            if error is None:
                try:
                    item = check_item(obj, f"{name}:{lineno}", f"{path.stem}:{lineno}", label_map)
                except ValueError as exc:
                    error = str(exc)
                else:
                    key = str(item.id)
                    if key in seen:
                        error = f"duplicate id {item.id!r} (first at {seen[key]})"
                    else:
                        seen[key] = item.source
                        items.append(item)
                        continue
            bad.append(Malformed(name, lineno, error))
    return items, bad
