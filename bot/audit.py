"""The audit log: one JSON line per turn with the decision and what it rested on.

It records the route, the rule or score that decided it, chunk ids and scores, and the
corpus hash. It never records what the person wrote unless an operator turned on
BOT_LOG_MESSAGES, and even then only in this local file.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from bot.config import Settings
from bot.types import Reply

_LOCK = threading.Lock()
FILE = "audit.jsonl"


def record(settings: Settings, reply: Reply, message: str | None = None, channel: str = "") -> None:
    """Append one turn's decision to data_dir/audit.jsonl. Failures never reach the person."""
    entry: dict[str, Any] = {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "channel": channel,
        "route": reply.route,
        "audit": reply.audit,
        "citations": [c.chunk_id for c in reply.citations],
    }
    if settings.log_messages and message is not None:
        entry["message"] = message
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with _LOCK, open(settings.data_dir / FILE, "a", encoding="utf-8") as fh:
            fh.write(line)
    except OSError:
        pass  # an unwritable log must not stop a crisis reply
