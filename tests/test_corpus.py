"""Front matter validation and chunking (the loader refuses a file field by field), and the
bundled corpus held to format v2: question-shaped passages, per-section refs, the verbatim
popular article and its claims table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

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
    assert '\n  - "Anderson DJ' in old and "key: S21" not in old  # a plain reference string
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


# --- Corpus format v2 (issue 11): one patient question per `##` section -------------------
# A checker of our own, independent of bot/retrieval (whose loader is being moved to v2
# separately), so the bundled corpus is held to the contract in CORPUS_FORMAT.md.

CORPUS = ROOT / "corpus"
# ../shared beside the checkout (or beside a worktree's parent folder)
SEED = next((d / "shared" / "seeds" / "000_afa2f60d3ac73b50.txt" for d in (ROOT.parent, ROOT.parent.parent)
             if (d / "shared" / "seeds" / "000_afa2f60d3ac73b50.txt").is_file()),
            ROOT.parent / "shared" / "seeds" / "000_afa2f60d3ac73b50.txt")
POPULAR = "popular-article-how-ketamine-helps-ptsd"
CLAIMS = CORPUS / "claims" / "popular-article-claims.yaml"
V2_FIELDS = ("id", "title", "year", "url", "source_type", "references", "reviewed_by", "reviewed_on",
             "review_by", "licence", "summary")
MIN_WORDS, MAX_SECTION_WORDS = 50, 150
MAX_ALSO = 20  # about 10-12 phrasings in real patients registers, plus up to 8 written blind to the eval sets (stop 30)
COMMENT_RE = re.compile(r"<!--\s*(\w+):(.*?)-->", re.S)
URL_RE = re.compile(r"^(https?://\S+|urn:\S+)$")


def split_v2(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def v2_sections(body: str) -> list[dict]:
    """[{heading, also, refs, text}] for each `##` section; text is the body without comments."""
    out = []
    for chunk in re.split(r"^## ", body, flags=re.M)[1:]:
        heading, _, rest = chunk.partition("\n")
        comments = {k: v.strip() for k, v in COMMENT_RE.findall(rest)}
        out.append({
            "heading": heading.strip(),
            "also": [a.strip() for a in comments.get("also", "").split("|") if a.strip()],
            "refs": [r.strip() for r in comments.get("refs", "").split(",") if r.strip()],
            "text": " ".join(COMMENT_RE.sub(" ", rest).split()),
        })
    return out


def v2_problems(path: Path) -> list[str]:
    """Everything wrong with one corpus file under format v2 (an empty list means valid)."""
    try:
        meta, body = split_v2(path.read_text(encoding="utf-8"))
    except ValueError:
        return ["no front matter"]
    if not isinstance(meta, dict):
        return ["front matter is not a mapping"]
    problems = [f"missing {f}" for f in V2_FIELDS if meta.get(f) in (None, "", [])]
    if not (meta.get("authors") or meta.get("publisher")):
        problems.append("missing authors/publisher")
    if meta.get("id") != path.stem:
        problems.append(f"id {meta.get('id')!r} != file name")
    if not URL_RE.match(str(meta.get("url", ""))):
        problems.append("bad url")
    if "clinician sign-off pending" not in str(meta.get("reviewed_by", "")):
        problems.append("reviewed_by must keep 'clinician sign-off pending'")
    keys = []
    for ref in meta.get("references") or []:
        if not (isinstance(ref, dict) and ref.get("key") and ref.get("cite") and URL_RE.match(str(ref.get("url", "")))):
            problems.append(f"reference row needs key, cite and an http(s)/urn url: {ref!r}")
            continue
        keys.append(ref["key"])
    if len(keys) != len(set(keys)):
        problems.append("duplicate reference keys")
    if len(re.findall(r"^# ", body, flags=re.M)) != 1:
        problems.append("needs exactly one '# Title'")
    popular = meta.get("source_type") == "popular_article"
    secs = v2_sections(body)
    if not secs:
        problems.append("no ## sections")
    if popular:
        return problems
    before = re.split(r"^## ", body, flags=re.M)[0]
    if " ".join(re.sub(r"^# .*$", "", before, flags=re.M).split()):
        problems.append("text outside any ## section")
    used = set()
    for sec in secs:
        where = f"section {sec['heading']!r}"
        words = len(sec["text"].split())
        if not MIN_WORDS <= words <= MAX_SECTION_WORDS:
            problems.append(f"{where}: {words} words, not {MIN_WORDS}-{MAX_SECTION_WORDS}")
        if meta.get("source_type") != "crisis_resource" and not sec["heading"].endswith("?"):
            problems.append(f"{where}: heading is not a question")
        if not sec["refs"]:
            problems.append(f"{where}: no <!-- refs: --> comment")
        for key in sec["refs"]:
            if key not in keys:
                problems.append(f"{where}: ref {key} not in references")
        used.update(sec["refs"])
        if len(sec["also"]) > MAX_ALSO:
            problems.append(f"{where}: more than {MAX_ALSO} 'also' phrasings")
    unused = [k for k in keys if k not in used]
    if unused:
        problems.append(f"references no section states: {unused}")
    headings = [s["heading"] for s in secs]
    if len(headings) != len(set(headings)):
        problems.append("duplicate headings")
    return problems


BUNDLED = sorted(CORPUS.glob("*.md"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_document_follows_format_v2(path):
    assert v2_problems(path) == []


def test_bundled_corpus_ids_and_questions_are_unique():
    ids = [split_v2(p.read_text(encoding="utf-8"))[0]["id"] for p in BUNDLED]
    assert len(ids) == len(set(ids)) and len(ids) >= 21
    headings = [s["heading"] for p in BUNDLED if p.stem != POPULAR
                for s in v2_sections(split_v2(p.read_text(encoding="utf-8"))[1])]
    assert len(headings) == len(set(headings)), "two passages answer the same question"
    assert len(headings) >= 45


GOOD_V2 = (CORPUS / "spravato-rems-and-monitoring.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("## What is the Spravato REMS?", "## The Spravato REMS", "not a question"),
        ("<!-- refs: S12, S8, S9 -->", "<!-- refs: S12, S99 -->", "ref S99 not in references"),
        ("<!-- refs: S12, S8, S9 -->", "", "no <!-- refs: --> comment"),
        ("id: spravato-rems-and-monitoring", "id: other-id", "!= file name"),
        ("source_type: patient_education\n", "", "missing source_type"),
        ('    url: "https://www.spravatorems.com"', '    url: "spravatorems.com"', "reference row needs"),
        ("(slowed or stopped breathing).", "(slowed or stopped breathing). " + "More words here. " * 40, "words, not 50-150"),
        ("Why do I have to stay for 2 hours after Spravato?", "What is the Spravato REMS?", "duplicate headings"),
        ("clinician sign-off pending", "signed off", "clinician sign-off pending"),
        ("# The Spravato REMS", "The Spravato REMS", "exactly one '# Title'"),
        ("<!-- also: why can't i take spravato at home", "<!-- also: " + "q | " * MAX_ALSO + "why can't i take spravato at home",
         "more than 20 'also' phrasings"),
    ],
)
def test_format_v2_check_catches_broken_files(tmp_path, old, new, problem):
    assert old in GOOD_V2
    path = tmp_path / "spravato-rems-and-monitoring.md"
    path.write_text(GOOD_V2.replace(old, new, 1), encoding="utf-8")
    assert any(problem in p for p in v2_problems(path)), v2_problems(path)


def test_short_section_is_caught(tmp_path):
    meta, body = split_v2(GOOD_V2)
    first = v2_sections(body)[0]["text"]
    path = tmp_path / "spravato-rems-and-monitoring.md"
    path.write_text(GOOD_V2.replace(first, " ".join(first.split()[:20])), encoding="utf-8")
    assert any("20 words" in p for p in v2_problems(path))


def test_bundled_passages_fit_the_model(embedder):
    """The model silently truncates past 256 word pieces: every English passage with its title and
    question fits. Spanish versions are exempt: MiniLM cuts Spanish into about 2.2 pieces a word, so
    a faithful translation of a 120-word passage runs past 256. Spanish matching leans on the
    headings, the `also` phrasings and lexical features (each embedded on its own, well under the
    limit); the shown passage is always the whole verbatim text, never the truncated vector input."""
    from bot.retrieval.chunk import embed_text

    for path in BUNDLED:
        meta, body = split_v2(path.read_text(encoding="utf-8"))
        for sec in v2_sections(body):
            text = f"{meta['title']}. {sec['heading']}. {sec['text']}"
            assert embedder.count_tokens(text) <= 250, (path.stem, sec["heading"])
    for doc in load_corpus(ROOT / "corpus"):
        for p in chunk_document(doc):
            assert len(p.text.split()) <= MAX_WORDS, p.id
            if doc.lang == "en":
                assert embedder.count_tokens(embed_text(p)) <= 256, p.id
            else:  # the questions a Spanish passage is matched by still fit
                for q in (p.section, *p.also):
                    assert embedder.count_tokens(q) <= 64, (p.id, q)
            assert p.meta["source_id"] == doc.id and p.meta["url"] and p.meta["reviewed_on"]


def test_no_bundled_document_is_past_its_review_date():
    """A document past review_by must be re-checked against its sources before patients see it."""
    import datetime as dt

    overdue = [p.stem for p in BUNDLED
               if dt.date.fromisoformat(str(split_v2(p.read_text(encoding="utf-8"))[0]["review_by"])) < dt.date.today()]
    assert not overdue, f"re-review these documents and move review_by: {overdue}"


# --- Corrections from review (issue 11 item 6): each stays fixed --------------------------

def section_text(doc: str, heading: str) -> str:
    _, body = split_v2((CORPUS / f"{doc}.md").read_text(encoding="utf-8"))
    [sec] = [s for s in v2_sections(body) if s["heading"] == heading]
    return sec["text"]


@pytest.mark.parametrize(
    ("doc", "heading", "must", "must_not"),
    [
        ("crisis-help-and-helplines", "Where can I get crisis help in Australia?", ["000", "13 11 14"], []),
        ("crisis-help-and-helplines", "Where can I get crisis help in Canada?", ["911", "988"], []),
        ("crisis-help-and-helplines", "Where can I get help right now if I am in crisis?", ["911", "999", "000", "988"], []),
        ("who-should-not-receive-ketamine", "Who should not have ketamine or esketamine?",
         ["clinical exclusions", "also stop treatment"], ["not formal contraindications"]),
        ("who-should-not-receive-ketamine", "Why are psychosis, pregnancy and high blood pressure reasons not to have ketamine?",
         ["reasons clinics do not give ketamine"], ["not formal contraindications"]),
        ("feder-2014-single-ketamine-infusion-crossover", "What did the 2014 single ketamine infusion study find?",
         ["7 days"], ["only one day after"]),
        ("popular-article-claims-check", "Has ketamine really been used in medicine since the 1960s?",
         ["does not give an approval date", "1970, according to the 2021 trial report"], ["article says ketamine was approved"]),
        ("spravato-rems-and-monitoring", "What is the Spravato REMS?", ["respiratory depression"], []),
    ],
)
def test_review_corrections_stay_fixed(doc, heading, must, must_not):
    text = section_text(doc, heading)
    for phrase in must:
        assert phrase in text, (doc, phrase)
    for phrase in must_not:
        assert phrase not in text, (doc, phrase)


def test_no_passage_reads_as_reassurance_about_exclusions():
    for path in BUNDLED:
        assert "not formal contraindications" not in path.read_text(encoding="utf-8"), path.stem


def test_multi_source_passages_link_only_their_own_references():
    """Per-section refs: a passage's citation never carries another document's single URL."""
    for path in BUNDLED:
        meta, body = split_v2(path.read_text(encoding="utf-8"))
        if meta["source_type"] == "popular_article" or len(meta["references"]) < 2:
            continue
        urls = {r["key"]: r["url"] for r in meta["references"]}
        assert meta["url"] in urls.values(), path.stem
        for sec in v2_sections(body):
            assert {urls[k] for k in sec["refs"]}, (path.stem, sec["heading"])


# --- The popular article: verbatim seed, labelled, every claim sentence has a verdict ------

def norm(text: str) -> str:
    """Whitespace and markdown heading markers are the only differences allowed."""
    return " ".join(re.sub(r"^#{1,6}\s+", "", text, flags=re.M).split())


def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip("shared seed not present")
    return SEED.read_text(encoding="utf-8")


def popular_body() -> str:
    return split_v2((CORPUS / f"{POPULAR}.md").read_text(encoding="utf-8"))[1]


def test_popular_article_is_the_seed_verbatim_in_order():
    assert norm(popular_body()) == norm(seed_text())


def test_popular_article_is_labelled_and_has_a_claims_check():
    types = {p.stem: split_v2(p.read_text(encoding="utf-8"))[0]["source_type"] for p in BUNDLED}
    assert [k for k, v in types.items() if v == "popular_article"] == [POPULAR]
    assert types["popular-article-claims-check"] != "popular_article"


def article_sentences() -> list[str]:
    """The article's sentences: each non-heading line, split at sentence ends."""
    body = popular_body()
    lines = [ln for ln in body.splitlines() if ln.strip() and not ln.startswith("#")]
    return [s for ln in lines for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", ln.strip())]


NOT_CLAIMS = {"Common methods include:"}  # a lead-in to the list; each list line is its own claim
VERDICTS = {"supported", "overstated", "unsupported", "contradicted"}


def load_claims() -> list[dict]:
    return yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))


def test_claims_table_has_one_row_per_claim_sentence():
    rows = load_claims()
    claims = [r["claim"] for r in rows]
    assert len(claims) == len(set(claims))
    sentences = article_sentences()
    for claim in claims:
        assert claim in sentences, f"not a verbatim sentence of the article: {claim!r}"
    missing = [s for s in sentences if s not in claims and s not in NOT_CLAIMS]
    assert not missing, f"article sentences without a verdict: {missing}"


def test_claims_rows_are_complete():
    for row in load_claims():
        assert set(row) == {"claim", "verdict", "why", "evidence"}, row
        assert row["verdict"] in VERDICTS, row
        assert 8 <= len(row["why"].split()) <= 60, row["why"]
        doc, _, heading = row["evidence"].partition("#")
        assert doc and heading.endswith("?"), row["evidence"]
        assert doc != POPULAR, "the article cannot be its own evidence"


def test_claims_evidence_points_at_a_real_passage():
    """Evidence is `doc-id#exact heading` of a bundled document."""
    for row in load_claims():
        doc, _, heading = row["evidence"].partition("#")
        path = CORPUS / f"{doc}.md"
        assert path.is_file(), f"no bundled document {doc}: {row['evidence']}"
        headings = [s["heading"] for s in v2_sections(split_v2(path.read_text(encoding="utf-8"))[1])]
        assert heading in headings, row["evidence"]
