"""Thumbs up/down on an answer, appended as one JSON line to <data_dir>/feedback.jsonl.

A record holds what a reviewer needs to find the decision again (route, chunk ids, corpus
hash), never what the person asked or was shown, unless the operator turned
BOT_LOG_MESSAGES on.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.types import Reply

FILENAME = "feedback.jsonl"
RATINGS = ("down", "up")  # index = the value st.feedback("thumbs") returns
_LOCK = threading.Lock()  # Streamlit sessions run in threads of one process


def path(settings: Settings) -> Path:
    return Path(settings.data_dir) / FILENAME


def record(settings: Settings, reply: Reply, rating: str, *, comment: str = "",
           question: str = "", answer_id: str = "", locale: str = "",
           now: dt.datetime | None = None) -> dict[str, Any]:
    """Append one feedback record and return it. `rating` is "up" or "down"."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
    entry: dict[str, Any] = {
        "ts": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "answer_id": answer_id,
        "route": reply.route,
        "chunk_ids": [c.chunk_id for c in reply.citations if c.chunk_id],
        "corpus_hash": str(reply.audit.get("corpus_hash", "")),
        "locale": locale or str(reply.audit.get("locale", "")),
        "rating": rating,
        "comment": comment.strip(),
    }
    if settings.log_messages:
        entry["question"] = question
        entry["answer"] = reply.text
    target = path(settings)
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with _LOCK:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line)
    return entry
