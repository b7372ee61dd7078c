"""An opt-in timing log for measuring the served app (BOT_TIMING_LOG=FILE; bench.load sets it).

One JSON line per event: wall-clock time, the event's name and its figures (durations in ms,
a route, a short hash of the session id). Never a message, a reply or anything a person typed.
Off (and free) when the variable is unset, which is how the app is served to patients.
"""

from __future__ import annotations

import json
import os
import threading
import time

_LOCK = threading.Lock()


def enabled() -> bool:
    return bool(os.environ.get("BOT_TIMING_LOG"))


def event(name: str, **fields) -> None:
    """Append one event (a no-op unless BOT_TIMING_LOG is set)."""
    path = os.environ.get("BOT_TIMING_LOG")
    if not path:
        return
    line = json.dumps({"t": round(time.time(), 4), "event": name, **fields}) + "\n"
    with _LOCK, open(path, "a", encoding="utf-8") as out:
        out.write(line)


def since(t0: float) -> float:
    """Milliseconds since a time.perf_counter() reading."""
    return round((time.perf_counter() - t0) * 1000, 2)
