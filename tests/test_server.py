"""Scale-out path: a real `chroma run` on loopback, ingest and answers through it, then the
server goes away mid-session and the person still gets a clear reply (and crisis help)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot import prompts
from bot.chat import respond
from bot.config import Settings
from bot.ingest import ingest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
QUESTION = "What did the 2021 Feder trial of repeated ketamine infusions find?"


def _chroma_executable() -> str | None:
    local = Path(sys.executable).parent / "chroma"
    return str(local) if local.exists() else shutil.which("chroma")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    def __init__(self, path: Path):
        self.path, self.port = path, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = path.parent / "chroma-server.log"
        self.proc: subprocess.Popen | None = None

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as resp:
                return resp.status == 200
        except OSError:
            return False

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [_chroma_executable(), "run", "--path", str(self.path), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, ANONYMIZED_TELEMETRY="False"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.alive():
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"chroma run did not come up on {self.url}:\n{self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server on 127.0.0.1:<free port>, always stopped at the end."""
    if _chroma_executable() is None:
        pytest.skip("the `chroma` executable is not installed")
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app_data(tmp_path_factory) -> Path:
    """One BOT_DATA_DIR for the in-process app and the CLI of this module: it holds only
    caches and logs in server mode (the screen's exemplar vectors are embedded once)."""
    return tmp_path_factory.mktemp("server-app-data")


def test_ingest_answer_and_outage_through_a_chroma_server(chroma_server, embedder, app_data):
    settings = Settings(data_dir=app_data, corpus_dir=FIXTURE_CORPUS,
                        chroma_url=chroma_server.url, embedder=embedder)

    summary = ingest(settings)
    assert summary.added == summary.chunks > 0
    assert ingest(settings).unchanged  # the server holds the manifest: a second run is a no-op

    reply = respond([], QUESTION, settings)
    assert reply.route == "answer", reply.text
    assert reply.citations and all(c.source_id and c.title for c in reply.citations)
    assert "[1]" in reply.text

    # The CLI reaches the same server with one environment variable.
    env = dict(os.environ, BOT_CHROMA_URL=chroma_server.url, BOT_CORPUS_DIR=str(FIXTURE_CORPUS),
               BOT_DATA_DIR=str(app_data), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", QUESTION], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    cli = json.loads(done.stdout)
    assert cli["route"] == "answer", cli["text"]
    assert cli["citations"]
    assert not (app_data / "chroma").exists(), "an embedded store was opened instead of the server"

    # The server goes away mid-session.
    chroma_server.stop()
    assert not chroma_server.alive()

    down = respond([], "How long did the benefit of ketamine last in the 2021 trial?", settings)
    assert down.route == "unavailable"
    assert down.text == prompts.text(settings.prompts_dir, "unavailable", settings.locale)
    assert down.text.strip()
    assert down.resources, "an unavailable reply still carries crisis resources"
    assert not down.citations
    assert down.audit.get("store_error") == "StoreUnavailable"

    again = respond([], QUESTION, settings)  # the question answered before the outage
    assert again.route == "unavailable"

    crisis = respond([], "I want to end my life", settings)
    assert crisis.route == "crisis"
    assert crisis.text == prompts.text(settings.prompts_dir, "crisis", settings.locale)
    assert crisis.resources
    assert not crisis.citations


def test_a_running_instance_keeps_answering_across_an_ingest(chroma_server, embedder, app_data):
    settings = Settings(data_dir=app_data, corpus_dir=FIXTURE_CORPUS,
                        chroma_url=chroma_server.url, embedder=embedder)
    ingest(settings)
    assert respond([], QUESTION, settings).route == "answer"
    ingest(settings, rebuild=True)  # e.g. the nightly ingest job on another machine
    assert respond([], QUESTION, settings).route == "answer"
