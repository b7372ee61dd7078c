"""End to end over the real corpus: the right sources, and no sentence without its citation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.chat import Assistant
from bot.cli import reply_json

ROOT = Path(__file__).resolve().parent.parent
GOLD = [json.loads(x) for x in (ROOT / "evals/sets/retrieval_gold.jsonl").read_text().splitlines() if x.strip()]
ANSWERABLE = [g for g in GOLD if g["expect"] == "answer"]
UNANSWERABLE = [g for g in GOLD if g["expect"] == "no_answer"]
MARK = re.compile(r"\[(\d+)\]")


def sentences_with_marks(text: str) -> list[tuple[str, list[int]]]:
    """(sentence, [n...]) pairs of a reply's Markdown text; labels in *...* are not sentences."""
    text = re.sub(r"\*[^*]+\*", "", text).replace("\\", "")
    out = []
    for part in re.split(r"(?<=\])\s+", text.strip()):
        marks = [int(n) for n in MARK.findall(part)]
        out.append((MARK.sub("", part).strip(), marks))
    return [(s, m) for s, m in out if s]


@pytest.fixture(scope="module")
def bot(corpus_settings):
    return Assistant(corpus_settings)


def test_gold_set_is_big_enough():
    assert len(ANSWERABLE) >= 30 and len(UNANSWERABLE) >= 5


@pytest.mark.parametrize("item", ANSWERABLE, ids=[g["id"] for g in ANSWERABLE])
def test_gold_question_answered_from_the_right_source(bot, item):
    reply = bot.respond([], item["text"])
    assert reply.route == "answer", reply.audit
    sources = {c.source_id for c in reply.citations}
    retrieved = {h["chunk_id"].split(":")[0] for h in reply.audit["hits"]}
    assert item["source"] in retrieved, (item["source"], retrieved)
    if item.get("expect_any"):
        haystack = (reply.text + " ".join(c.passage for c in reply.citations)).lower()
        assert any(t.lower() in haystack for t in item["expect_any"]), (item["expect_any"], sources)
    # no source, no sentence: every sentence carries [n] and is verbatim in passage n
    by_n = {c.n: c.passage for c in reply.citations}
    for sentence, marks in sentences_with_marks(reply.text):
        assert marks, sentence
        assert all(sentence in by_n[n] for n in marks), (sentence, marks)


@pytest.mark.parametrize("item", UNANSWERABLE, ids=[g["id"] for g in UNANSWERABLE])
def test_uncovered_questions_get_no_answer(bot, item):
    reply = bot.respond([], item["text"])
    assert reply.route in {"no_answer", "out_of_scope"}, (reply.route, reply.text)
    assert not reply.citations


def test_done_when_midazolam(bot):
    reply = bot.respond([], "What was ketamine compared against in the 2021 trial?")
    assert reply.route == "answer"
    assert any("midazolam" in c.passage.lower() for c in reply.citations)


def test_popular_article_is_labelled_and_qualified(bot):
    reply = bot.respond([], "How long do the effects of ketamine infusions for PTSD last?")
    types = [c.source_type for c in reply.citations]
    if "popular_article" in types:
        assert "popular article" in reply.text.lower()
        assert any(t != "popular_article" for t in types)


def test_reply_json_shape(bot):
    data = reply_json(bot.respond([], "What is esketamine?"), item_id="q1")
    assert list(data)[:6] == ["id", "route", "text", "citations", "resources", "audit"]
    for c in data["citations"]:
        assert set(c) >= {"n", "source_id", "title", "url", "source_type", "section", "passage"}
    assert "corpus_hash" in data["audit"] and "What is esketamine" not in json.dumps(data["audit"])
