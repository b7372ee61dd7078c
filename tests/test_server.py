"""Scale-out path: a real `chroma run` on loopback, ingest and answers through it, then the
server goes away mid-session and the person still gets a clear reply (and crisis help)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.chroma_server import ChromaServer, chroma_executable
from bot import prompts
from bot.chat import respond
from bot.config import Settings
from bot.retrieval.ingest import ingest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
QUESTION = "What did the 2021 Feder trial of repeated ketamine infusions find?"


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server on 127.0.0.1:<free port> (the benchmark's helper), always stopped."""
    try:
        chroma_executable()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    server = ChromaServer(tmp_path / "chroma-server")
    try:
        server.start(timeout=30.0)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def app_data(tmp_path_factory) -> Path:
    """One BOT_DATA_DIR for the in-process app and the CLI of this module: it holds only
    caches and logs in server mode (the screen's exemplar vectors are embedded once)."""
    return tmp_path_factory.mktemp("server-app-data")


def cli_answers_from_the_server(url: str, data_dir: Path) -> None:
    """`python -m bot ask` in a fresh process, pointed at the server by BOT_CHROMA_URL alone."""
    env = dict(os.environ, BOT_CHROMA_URL=url, BOT_CORPUS_DIR=str(FIXTURE_CORPUS),
               BOT_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False")
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", QUESTION], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    cli = json.loads(done.stdout)
    assert cli["route"] == "answer", cli["text"]
    assert cli["citations"]
    assert not (data_dir / "chroma").exists(), "an embedded store was opened instead of the server"


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
    cli_answers_from_the_server(chroma_server.url, app_data)

    # The server goes away mid-session.
    chroma_server.stop()
    assert not chroma_server.heartbeat()

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


def test_two_app_instances_share_one_chroma_server(chroma_server, embedder, tmp_path):
    """The several-clinics path: one ingest job fills the server; two instances with their
    own data dirs (logs, caches) answer from it, each in its own process, without ingesting."""
    ingest(Settings(data_dir=tmp_path / "ingest-job", corpus_dir=FIXTURE_CORPUS,
                    chroma_url=chroma_server.url, embedder=embedder))
    for k in range(2):
        cli_answers_from_the_server(chroma_server.url, tmp_path / f"clinic-{k}")
