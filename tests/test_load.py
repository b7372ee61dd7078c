"""The served app under a small crowd: 5 browser contexts at once (Debian chromium through
Playwright) against `python -m bot.front.serve` on loopback, three turns each, one of them a
crisis message. The full 20-context run with its latency targets is `make load` / `make bench`."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from bench.load import CRISIS, FIRST_QUESTION, QUESTIONS, App, conversation, crowd
from bench.util import child_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


@pytest.fixture(scope="module")
def chromium() -> str:
    """The same PATH lookup as `make browser` and tests/test_browser.py: a missing browser skips
    on a laptop and fails the run under CI=true."""
    path = shutil.which("chromium")
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is not on PATH (CI=true: the load test must run; `make browser`)")
        pytest.skip("Debian chromium is not on PATH (`make browser` or `apt-get install chromium`)")
    return path


@pytest.mark.parametrize("i", range(6))
def test_each_conversation_holds_one_crisis_message(i):
    turns = conversation(i)
    assert len(turns) == 3 and sum(crisis for _, crisis in turns) == 1


def test_five_patients_at_once_all_answered_and_every_crisis_routed(chromium, fixture_settings, tmp_path):
    data = tmp_path / "data"  # a private copy: the session's index stays read-only
    shutil.copytree(fixture_settings.data_dir, data)
    env = child_env(BOT_DATA_DIR=str(data), BOT_CORPUS_DIR=str(fixture_settings.corpus_dir),
                    BOT_AUDIT_LOG="0", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    app = App(env, Path(tmp_path) / "app.log")
    try:
        result = asyncio.run(crowd([app.url], contexts=5, first=[app]))
    finally:
        served = app.stop()
    assert result["first_answer"][0]["answered"]
    assert result["replies_arrived"] == result["replies_expected"] == 15, result
    assert result["crisis_routed"] == 5, result
    assert result["page_errors"] == 0, result["page_error_samples"]
    assert served["log_errors"] == 0, served["log_error_lines"]
    # The app's timing log (BOT_TIMING_LOG) timed every turn, server side, and holds no words.
    assert result["server_side"]["turns"] == 15 and result["reply_split"]["script_run"]["n"] == 15, result
    assert result["server_side"]["respond_ms"]["median"] > 0
    log = app.timing.read_text()
    assert not [t for t in (*QUESTIONS, *CRISIS, FIRST_QUESTION) if t in log or t.lower() in log.lower()]
