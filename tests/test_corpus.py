"""Front matter validation and chunking: the corpus is refused file by file, field by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import CorpusError
from bot.retrieval.chunk import (
    MAX_WORDS,
    chunk_document,
    passage_sentences,
    sections,
    split_sentences,
)
from bot.retrieval.corpus import load_corpus, load_file

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "tests/fixtures/corpus/bladder-mini.md").read_text()


def write(tmp_path: Path, text: str, name: str = "bladder-mini.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("id: bladder-mini\n", "", "id"),
        ('title: "Bladder problems with heavy ketamine use"\n', "", "title"),
        ('publisher: "Test fixture publisher"\n', "", "authors"),
        ("year: 2022\n", "", "year"),
        ("year: 2022\n", "year: twenty\n", "year"),
        ('url: "https://doi.org/10.52965/001c.38247"\n', "", "url"),
        ('url: "https://doi.org/10.52965/001c.38247"\n', 'url: "javascript:alert(1)"\n', "url"),
        ("source_type: review\n", "", "source_type"),
        ("source_type: review\n", "source_type: blog\n", "source_type"),
        ("  - key: S21\n    cite: \"Anderson DJ, et al. Ketamine-induced cystitis. Health Psychology Research. 2022.\"\n"
         "    url: \"https://doi.org/10.52965/001c.38247\"\n", "", "references"),
        ("    url: \"https://doi.org/10.52965/001c.38247\"\n", "    url: \"see the paper\"\n", "references"),
        ("  - key: S21\n", "  - key: \"\"\n", "references"),
        ("year: 2022\n", "year: 2022\nlang: fr\n", "lang"),
        ("year: 2022\n", "year: 2022\nlang: es\n", "translation_of"),
        ('reviewed_by: "Test fixture"\n', "", "reviewed_by"),
        ("reviewed_on: 2026-11-26\n", "reviewed_on: 26/11/2026\n", "reviewed_on"),
        ("review_by: 2027-11-26\n", "review_by: 2027-13-40\n", "review_by"),
        ("review_by: 2027-11-26\n", "review_by: 2020-01-01\n", "review_by"),
        ('licence: "CC BY 4.0"\n', "", "licence"),
        ('summary: "Test fixture: ketamine cystitis."\n', "", "summary"),
    ],
)
def test_refuses_bad_front_matter_naming_file_and_field(tmp_path, old, new, field):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(CorpusError) as err:
        load_file(path)
    assert err.value.field == field
    assert str(path) in str(err.value) and field in str(err.value)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("no front matter at all, just words " * 5, "front matter"),
        ("---\ntitle: [unclosed\n---\nbody " * 3, "front matter"),
        ("---\n- a list\n---\n" + "body text " * 30, "front matter"),
    ],
)
def test_refuses_malformed_files(tmp_path, text, field):
    with pytest.raises(CorpusError) as err:
        load_file(write(tmp_path, text))
    assert err.value.field == field


def test_refuses_non_utf8_and_mismatched_id(tmp_path):
    bad = tmp_path / "bladder-mini.md"
    bad.write_bytes(b"\xff\xfe" + GOOD.encode("utf-16-le"))
    with pytest.raises(CorpusError, match="encoding"):
        load_file(bad)
    with pytest.raises(CorpusError, match="'id'"):
        load_file(write(tmp_path, GOOD, name="other-name.md"))


def test_only_markdown_is_a_document_and_old_reference_strings_still_load(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "popular-article-claims.yaml").write_text("- claim: x\n")
    (tmp_path / "notes.txt").write_text("not a document")
    old = GOOD.replace("  - key: S21\n    cite: ", "  - ").replace(
        '    url: "https://doi.org/10.52965/001c.38247"\n', "", 1).replace("id: bladder-mini", "id: old-shape")
    write(tmp_path, old, name="old-shape.md")
    docs = {d.id: d for d in load_corpus(tmp_path)}
    assert sorted(docs) == ["bladder-mini", "old-shape"]
    assert docs["old-shape"].meta["references"][0]["cite"].startswith("Anderson")
    assert docs["bladder-mini"].meta["references"][0] == {
        "key": "S21", "cite": "Anderson DJ, et al. Ketamine-induced cystitis. Health Psychology Research. 2022.",
        "url": "https://doi.org/10.52965/001c.38247"}


def test_spanish_version_must_say_so_and_pair_with_an_english_document(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "es").mkdir()
    spanish = (ROOT / "tests/fixtures/corpus/es/bladder-mini.md").read_text()
    write(tmp_path / "es", spanish)
    assert {d.lang for d in load_corpus(tmp_path)} == {"en", "es"}
    write(tmp_path / "es", spanish.replace("translation_of: bladder-mini", "translation_of: nothing-here"))
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert err.value.field == "translation_of" and "es/bladder-mini.md" in str(err.value)
    write(tmp_path / "es", spanish.replace("lang: es\n", ""))
    with pytest.raises(CorpusError) as err:
        load_corpus(tmp_path)
    assert err.value.field == "lang"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<!-- refs: S21 -->", "<!-- refs: S99 -->", "refs of section 'Can ketamine damage the bladder?'"),
        ("Stopping ketamine usually improves the symptoms.",
         "Stopping ketamine usually improves the symptoms. " + "More words here. " * 60,
         "section 'Can ketamine damage the bladder?'"),
    ],
)
def test_chunker_refuses_bad_sections_naming_file_and_heading(tmp_path, old, new, field):
    assert old in GOOD
    doc = load_file(write(tmp_path, GOOD.replace(old, new)))
    with pytest.raises(CorpusError) as err:
        chunk_document(doc)
    assert err.value.field == field and "bladder-mini.md" in str(err.value)


def test_multi_source_section_without_refs_is_refused(tmp_path):
    text = (ROOT / "tests/fixtures/corpus/abdallah-2022-mini.md").read_text().replace("<!-- refs: S3, S4 -->", "")
    doc = load_file(write(tmp_path, text, name="abdallah-2022-mini.md"))
    with pytest.raises(CorpusError, match="refs of section 'Did ketamine help veterans with PTSD"):
        chunk_document(doc)


def test_one_passage_per_section_with_its_questions_and_references():
    doc = load_file(ROOT / "tests/fixtures/corpus/abdallah-2022-mini.md")
    first, second = chunk_document(doc)
    assert first.section == "How was the veterans ketamine trial set up?"
    assert first.also == ("who was in the VA ketamine study", "what did the veterans trial compare")
    assert [r["key"] for r in second.refs] == ["S3", "S4"] and "<!--" not in second.text
    assert second.text.startswith("In the 2022 Abdallah trial") and second.text.endswith("than placebo.")
    assert second.key == "abdallah-2022-mini#Did ketamine help veterans with PTSD?"


def test_bundled_corpus_is_valid_and_complete():
    docs = load_corpus(ROOT / "corpus")
    assert len(docs) >= 16
    types = {d.source_type for d in docs}
    assert "popular_article" in types and "rct" in types and "regulatory_label" in types | {"regulatory_label"}
    for doc in docs:
        assert doc.meta["references"], doc.id


def test_sentence_splitting_keeps_abbreviations_and_decimals():
    text = "Ketamine 0.5 mg/kg was used. Feder et al. 2021 found a benefit. The U.S. label differs. Is it safe? Ask."
    assert split_sentences(text) == [
        "Ketamine 0.5 mg/kg was used.",
        "Feder et al. 2021 found a benefit.",
        "The U.S. label differs.",
        "Is it safe?",
        "Ask.",
    ]


def test_list_items_become_their_own_sentences():
    body = "## How is it given?\nCommon methods include:\n\n- IV infusion therapy (most researched)\n- Nasal spray\n"
    [(heading, text, _)] = sections(body, "Overview")
    assert heading == "How is it given?"
    assert passage_sentences(text) == ["Common methods include:", "IV infusion therapy (most researched)",
                                       "Nasal spray"]


def test_bundled_passages_fit_the_model(embedder):
    """The model silently truncates past 256 word pieces: every passage (with its title prefix) fits."""
    from bot.retrieval.chunk import embed_text

    for doc in load_corpus(ROOT / "corpus"):
        for p in chunk_document(doc):
            assert len(p.text.split()) <= MAX_WORDS, p.id
            assert embedder.count_tokens(embed_text(p)) <= 256, p.id
            assert p.meta["source_id"] == doc.id and p.meta["url"] and p.meta["reviewed_on"]


def test_no_bundled_document_is_past_its_review_date():
    """A document past review_by must be re-checked against its sources before patients see it."""
    import datetime as dt

    overdue = [d.id for d in load_corpus(ROOT / "corpus")
               if dt.date.fromisoformat(d.meta["review_by"]) < dt.date.today()]
    assert not overdue, f"re-review these documents and move review_by: {overdue}"


def test_popular_article_is_labelled_and_has_a_claims_check():
    docs = {d.id: d for d in load_corpus(ROOT / "corpus")}
    popular = [d for d in docs.values() if d.source_type == "popular_article"]
    assert len(popular) == 1
    assert "popular-article-claims-check" in docs
    assert docs["popular-article-claims-check"].source_type != "popular_article"
