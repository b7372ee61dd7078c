"""The real patient question dev sets (evals/sets/real/dev.jsonl, dev2.jsonl, dev3.jsonl) are well formed
and name only passages the bundled corpus has. The held-out test.jsonl is deliberately not
read here beyond its pages: only the lead scores it. The second held-out set, test2.jsonl, is
checked for shape and pages only."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.retrieval.chunk import chunk_document
from bot.retrieval.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "evals" / "sets" / "real"
DEV_SETS = {"dev.jsonl": "rq-", "dev2.jsonl": "rq2-", "dev3.jsonl": "rq3-", "dev4.jsonl": "rq5-"}
PAGE_KINDS = {"clinic_faq", "forum", "news_qa", "hospital", "manufacturer", "va", "other"}
REGISTERS = {"formal", "informal", "worried", "misspelt"}


def max_per_page(items: list[dict]) -> int:
    return max(Counter(i["page"] for i in items).values())


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in (REAL / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def corpus_keys() -> set[str]:
    return {p.key for doc in load_corpus(ROOT / "corpus") if doc.lang == "en" for p in chunk_document(doc)}


@pytest.mark.parametrize("name", sorted(DEV_SETS))
def test_every_expected_passage_is_a_real_corpus_section(name, corpus_keys):
    missing = sorted({k for item in read(name) for k in item.get("expect_passages", [])} - corpus_keys)
    assert missing == [], f"{name} names sections the corpus lacks (relabel): {missing}"


@pytest.mark.parametrize("name", sorted(DEV_SETS))
def test_items_are_labelled_and_well_formed(name):
    items = read(name)
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert item["id"].startswith(DEV_SETS[name]), item["id"]
        assert bool(item.get("text")) != bool(item.get("turns")), item["id"]
        assert item["expect"] in ("answer", "no_answer"), item["id"]
        assert bool(item.get("expect_passages")) == (item["expect"] == "answer"), item["id"]
        assert item["source"] == "real-questions" and item["page"].startswith("http"), item["id"]
        assert item["page_kind"] in PAGE_KINDS and item["register"] in REGISTERS, item["id"]


def test_dev2_is_big_and_keeps_its_pages_apart_from_dev():
    dev, dev2 = read("dev.jsonl"), read("dev2.jsonl")
    assert len(dev2) >= 130
    assert not {i["page"] for i in dev} & {i["page"] for i in dev2}
    assert max_per_page(dev2) <= 3
    declines = sum(i["expect"] != "answer" for i in dev2) / len(dev2)
    assert 0.2 <= declines <= 0.45


def test_dev3_keeps_its_pages_apart_from_the_other_dev_sets():
    dev3 = read("dev3.jsonl")
    earlier = {i["page"] for name in ("dev.jsonl", "dev2.jsonl") for i in read(name)}
    assert len(dev3) >= 150
    assert not {i["page"] for i in dev3} & earlier
    assert max_per_page(dev3) <= 3


def test_test2_is_held_out_by_page_and_well_formed(corpus_keys):
    """The second held-out set (stop 35): checked for shape and for pages shared with any other
    set, never for its wording (only the lead scores it)."""
    test2 = read("test2.jsonl")
    assert len(test2) >= 150 and len({i["id"] for i in test2}) == len(test2)
    others = {i["page"] for name in ("dev.jsonl", "dev2.jsonl", "dev3.jsonl", "dev4.jsonl", "test.jsonl")
              for i in read(name)}
    assert not {i["page"] for i in test2} & others
    for item in test2:
        assert item["id"].startswith("rq4-") and item["expect"] in ("answer", "no_answer"), item["id"]
        assert bool(item.get("expect_passages")) == (item["expect"] == "answer"), item["id"]
        assert set(item.get("expect_passages", [])) <= corpus_keys, item["id"]
        assert item["page_kind"] in PAGE_KINDS and item["register"] in REGISTERS, item["id"]
    assert max_per_page(test2) <= 3


def test_dev4_keeps_its_pages_apart_from_the_other_dev_sets():
    dev4 = read("dev4.jsonl")
    earlier = {i["page"] for name in ("dev.jsonl", "dev2.jsonl", "dev3.jsonl") for i in read(name)}
    assert len(dev4) >= 150
    assert not {i["page"] for i in dev4} & earlier
    assert max_per_page(dev4) <= 3
