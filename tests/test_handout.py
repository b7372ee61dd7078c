"""bot.front.handout (Markdown + printable HTML) and bot.front.feedback (local JSONL), no Streamlit."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace

import pytest

from bot.answering.passages import passage_md
from bot.config import Settings
from bot.front import feedback, handout
from bot.types import Citation, Reply, Resource

TODAY = dt.date(2026, 11, 26)
DISCLAIMER = "**Not medical advice.** In an emergency call 911; call or text 988."
LINES = [Resource(name="988 Suicide & Crisis Lifeline", contact="Call or text 988", hours="24/7",
                  call="988", sms="988", last_verified="2026-11-01"),
         Resource(name="Crisis Text Line", contact="Text HOME to 741741", sms="741741", sms_body="HOME")]
INJECTED = "<script>alert('x')</script>"


def cite(n: int, source_id: str, title: str, url: str, source_type: str = "rct",
         passage: str = "A passage.", refs: tuple = ()) -> Citation:
    return Citation(n=n, source_id=source_id, title=title, url=url, source_type=source_type,
                    section="Results", passage=passage, chunk_id=f"{source_id}#{n}",
                    authors="Feder A, et al.", year="2021", reviewed_on="2026-11-26", refs=refs)


def answer(*parts: tuple[str, int], citations: list[Citation], popular: int | None = None) -> Reply:
    """A Reply shaped like bot.answering.passages.compose: each citation's passage whole, then
    ' [n]'; the popular article only as a claim card's sentence."""
    texts: dict[int, list[str]] = {}
    for text, n in parts:
        texts.setdefault(n, []).append(text)
    cites = [replace(c, passage=" ".join(texts.get(c.n, [c.passage]))) for c in citations]
    lines = [f"{passage_md(c.passage)} [{c.n}]" for c in cites]
    extras = {"claim_cards": [{"claim": cites[popular - 1].passage, "claim_n": popular}]} if popular else {}
    return Reply("answer", "\n\n".join(lines), cites, audit={"corpus_hash": "abc123"}, extras=extras)


@pytest.fixture
def reply() -> Reply:
    return answer(
        ("In the 2021 Feder trial, 67% of people given ketamine responded.", 1),
        ("The benefit usually faded within about a month.", 1),
        (f"A passage that tries {INJECTED} and [a link](javascript:alert(1)).", 2),
        citations=[
            cite(1, "feder-2021", "Repeated ketamine infusions (Feder et al., 2021)",
                 "https://doi.org/10.1176/appi.ajp.2020.20050596"),
            cite(2, "bad-source", f"Title {INJECTED}", "javascript:alert(1)", "review", passage=INJECTED),
        ],
    )


def test_passages_of_a_reply_are_its_cited_passages_whole(reply):
    got = handout.passages(reply)
    assert [s.n for s in got] == [1, 2]
    assert got[0].text == ("In the 2021 Feder trial, 67% of people given ketamine responded. "
                           "The benefit usually faded within about a month.")
    assert INJECTED in got[1].text  # verbatim passage text


def test_sentences_keep_the_popular_article_label():
    r = answer(("Ketamine resets the brain.", 1), ("Response meant a 30% drop.", 2),
               citations=[cite(1, "pop", "Popular piece", "https://example.org", "popular_article"),
                          cite(2, "feder", "Feder", "https://doi.org/x")], popular=1)
    got = handout.sentences(r)
    assert got[0].lead == "A popular article (not a research source) says:"
    assert got[1].lead == ""


def test_markdown_has_numbered_references_with_titles_and_links(reply):
    draft = handout.build([("Does it work?", reply, [1, 2])])
    md = handout.to_markdown(draft, DISCLAIMER, LINES, today=TODAY)
    assert "## References" in md
    assert "1. Repeated ketamine infusions (Feder et al., 2021)." in md
    assert "<https://doi.org/10.1176/appi.ajp.2020.20050596>" in md
    assert "randomised trial" in md and "2021" in md
    assert "67% of people given ketamine responded. The benefit usually faded within about a month. [1]" in md
    assert "<javascript" not in md and not re.search(r"(?<!\\)\]\(javascript", md)  # no link made
    assert "<script>" not in md  # escaped in sentences and titles


def test_dropping_a_passage_drops_its_sentences_and_reference(reply):
    draft = handout.build([("Does it work?", reply, [1])])
    md = handout.to_markdown(draft, DISCLAIMER, LINES, today=TODAY)
    assert "tries" not in md and "bad-source" not in md
    assert [r.n for r in draft.references] == [1]


def test_references_are_numbered_across_questions_by_source(reply):
    second = answer(("Ketamine cystitis is bladder damage.", 1),
                    citations=[cite(1, "bladder", "Bladder problems", "https://doi.org/y", "review")])
    third = answer(("Participants received six infusions.", 1),
                   citations=[cite(1, "feder-2021", "Repeated ketamine infusions (Feder et al., 2021)",
                                   "https://doi.org/10.1176/appi.ajp.2020.20050596")])
    draft = handout.build([("Q1", reply, [1]), ("Q2", second, [1]), ("Q3", third, [1])])
    assert [(r.n, r.citation.source_id) for r in draft.references] == [(1, "feder-2021"), (2, "bladder")]
    assert [line.ref for line in draft.items[2].lines] == [1]


def test_html_escapes_passages_titles_and_the_clinic_note(reply):
    draft = handout.build([(f"Question {INJECTED}", reply, [1, 2])], note=f"Call us. {INJECTED}")
    page = handout.to_html(draft, DISCLAIMER, LINES, today=TODAY)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert '<li id="ref-1" value="1"><strong>Repeated ketamine infusions (Feder et al., 2021)</strong>' in page
    assert '<a href="https://doi.org/10.1176/appi.ajp.2020.20050596">' in page
    assert '<a href="#ref-1">[1]</a>' in page
    assert "@media print" in page


def test_footer_carries_the_disclaimer_and_crisis_lines(reply):
    draft = handout.build([("Does it work?", reply, [1])])
    md = handout.to_markdown(draft, DISCLAIMER, LINES, today=TODAY)
    page = handout.to_html(draft, DISCLAIMER, LINES, today=TODAY)
    assert DISCLAIMER in md
    assert "988 Suicide & Crisis Lifeline" in md and "Text HOME to 741741" in md
    assert "<strong>Not medical advice.</strong> In an emergency call 911; call or text 988." in page
    assert '<a href="tel:988">Call 988</a>' in page
    assert '<a href="sms:741741?&amp;body=HOME">Text 741741</a>' in page


def test_plain_level_keeps_the_two_simplest_passages_whole():
    texts = [
        "Participants in the multisite randomised controlled investigation demonstrated "
        "statistically significant improvements in standardised psychometric instruments.",
        "Ketamine is a medicine. It can help some people. The effect often fades.",
        "Response was defined as a reduction of at least thirty percent in clinician-administered "
        "scale severity scores relative to the pre-infusion baseline assessment.",
    ]
    r = answer(*[(t, n) for n, t in enumerate(texts, start=1)],
               citations=[cite(n, f"s{n}", "Source", "https://doi.org/z") for n in (1, 2, 3)])
    plain = handout.build([("Q", r, [1, 2, 3])], level="plain")
    standard = handout.build([("Q", r, [1, 2, 3])], level="standard")
    texts.append("It is a drug. Ask your team.")
    r = answer(*[(t, n) for n, t in enumerate(texts, start=1)],
               citations=[cite(n, f"s{n}", "Source", "https://doi.org/z") for n in (1, 2, 3, 4)])
    plain = handout.build([("Q", r, [1, 2, 3, 4])], level="plain")
    standard = handout.build([("Q", r, [1, 2, 3, 4])], level="standard")
    assert [line.text for line in plain.items[0].lines] == [texts[1], texts[3]]  # document order
    assert len(standard.items[0].lines) == 4
    assert handout.reading_grade(plain.body_text) < handout.reading_grade(standard.body_text)


def test_references_name_the_works_the_passage_states():
    refs = ({"key": "S3", "cite": "Abdallah CG, et al. Neuropsychopharmacology. 2022.", "url": "https://doi.org/a"},)
    r = answer(("No dose beat placebo.", 1), citations=[cite(1, "va", "VA trial", "https://doi.org/a", refs=refs)])
    md = handout.to_markdown(handout.build([("Q", r, [1])]), DISCLAIMER, LINES, today=TODAY)
    assert "1. VA trial. Abdallah CG, et al. Neuropsychopharmacology. 2022. randomised trial" in md


def test_plain_level_prefers_stronger_sources_to_popular_claims():
    r = answer(("It works.", 1), ("Response meant a drop in scores. The benefit faded.", 2),
               ("Some had side effects.", 3),
               citations=[cite(1, "pop", "Pop", "https://e.org", "popular_article"),
                          cite(2, "trial", "Trial", "https://doi.org/t"),
                          cite(3, "label", "Label", "https://doi.org/l", "regulatory_label")], popular=1)
    assert handout.passages(r)[0].lead == handout.POPULAR_LEAD
    plain = handout.build([("Q", r, [1, 2, 3])], level="plain")
    assert [line.lead for line in plain.items[0].lines] == ["", ""]


def test_reading_grade_is_measured_offline():
    assert handout.reading_grade("") is None
    easy = handout.reading_grade("The cat sat on the mat. It was warm.")
    hard = handout.reading_grade("Pharmacological interventions demonstrated heterogeneous "
                                 "effectiveness across multidimensional psychiatric assessments.")
    assert easy is not None and hard is not None and easy < 6 < hard


@pytest.mark.parametrize("url,ok", [
    ("https://doi.org/10.1/x", True), ("http://example.org/a", True), ("javascript:alert(1)", False),
    ("data:text/html,hi", False), ("//evil.example", False), ("ftp://x.org/f", False), ("", False),
    ("https://exa mple.org", False),
])
def test_only_http_links_are_clickable(url, ok):
    assert handout.safe_url(url) == (url if ok else "")


def test_demote_moves_headings_down():
    assert handout.demote("# A\n## B\ntext #1") == "### A\n#### B\ntext #1"


# --- feedback -------------------------------------------------------------------------------


def test_feedback_appends_jsonl_without_message_text(tmp_path, reply):
    settings = Settings(data_dir=tmp_path / "data")
    feedback.record(settings, reply, "up", question="I feel awful about my treatment", answer_id="a1",
                    locale="en-GB", now=dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC))
    feedback.record(settings, reply, "down", comment=" too long ", answer_id="a1")
    rows = [json.loads(x) for x in (tmp_path / "data" / "feedback.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    first = rows[0]
    assert first == {"ts": "2026-11-26T12:00:00+00:00", "answer_id": "a1", "route": "answer",
                     "chunk_ids": ["feder-2021#1", "bad-source#2"], "corpus_hash": "abc123",
                     "locale": "en-GB", "rating": "up", "comment": ""}
    assert rows[1]["rating"] == "down" and rows[1]["comment"] == "too long"
    text = (tmp_path / "data" / "feedback.jsonl").read_text()
    assert "awful" not in text and "67%" not in text


def test_feedback_keeps_message_text_only_when_the_operator_turns_it_on(tmp_path, reply):
    settings = Settings(data_dir=tmp_path, log_messages=True)
    row = feedback.record(settings, reply, "up", question="Does it work?")
    assert row["question"] == "Does it work?" and row["answer"] == reply.text
    saved = json.loads((tmp_path / "feedback.jsonl").read_text())
    assert saved["question"] == "Does it work?"


def test_feedback_rejects_an_unknown_rating(tmp_path, reply):
    with pytest.raises(ValueError):
        feedback.record(Settings(data_dir=tmp_path), reply, "meh")
