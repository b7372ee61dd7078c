"""Answers are whole vetted passages: the right one, verbatim, cited to the sources it states;
declines come with suggestions; follow-ups, Spanish and the popular article's claim cards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answering.passages import DOSE_RE, asks_amount
from bot.chat import Assistant
from bot.front.cli import reply_json
from bot.retrieval.ingest import ingest
from bot.retrieval.match import PER_PASSAGE, about_article, condense, language, new_subject
from bot.types import Turn
from evals.score_real import padded, verbatim

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "corpus"
GOLD = [json.loads(x) for x in (ROOT / "evals/sets/retrieval_gold.jsonl").read_text().splitlines() if x.strip()]
FEDER_FIND = "feder-2021-mini#What did the 2021 ketamine trial find?"
BLADDER = "bladder-mini#Can ketamine damage the bladder?"
VETERANS = "abdallah-2022-mini#Did ketamine help veterans with PTSD?"


@pytest.fixture(scope="module")
def bot(fixture_settings):
    return Assistant(fixture_settings)


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("What was ketamine compared against in the 2021 trial?", "feder-2021-mini#How was the 2021 ketamine trial set up?"),
        ("how many ppl responded to ketamine in the 2021 study", FEDER_FIND),
        ("will ketamine wreck my bladder", BLADDER),
        ("did ketamine help the veterans with ptsd", VETERANS),
    ],
)
def test_the_answer_is_the_right_passage_whole_and_cited(bot, question, key, assert_verbatim):
    reply = bot.respond([], question)
    assert reply.route == "answer", reply.audit
    first = reply.citations[0]
    assert first.key == key and first.n == 1
    assert f"{first.passage} [1]" in reply.text  # the whole passage, verbatim, then its marker
    assert_verbatim(reply, FIXTURES, whole=True)  # ... as the corpus file has it
    assert verbatim(reply) and not padded(reply)
    assert first.section == key.split("#", 1)[1] and first.title and first.year


def test_a_citation_links_the_references_its_passage_states(bot):
    reply = bot.respond([], "did ketamine help the veterans with ptsd")
    c = reply.citations[0]
    assert [r["cite"].split(".")[0] for r in c.refs] == ["Abdallah CG, et al", "Test fixture second source, for per-passage references"]
    assert c.url == "https://doi.org/10.1038/s41386-022-01266-9"
    assert all(r["url"].startswith("https://") for r in c.refs)


def test_a_question_no_passage_answers_is_declined_with_suggestions(bot):
    reply = bot.respond([], "How much does a ketamine infusion cost in Denver?")
    assert reply.route == "no_answer" and not reply.citations
    suggestions = reply.extras["suggestions"]
    assert 1 <= len(suggestions) <= 3 and all(s.endswith("?") for s in suggestions)
    assert reply.text.startswith("I don't have a vetted passage that answers")
    assert all(s in reply.text for s in suggestions)
    assert reply.audit["no_answer_reason"] == "no_passage_answers"


def test_the_real_set_score_counts_a_right_passage_among_the_suggestions(bot):
    """A declined answerable question whose right passage is offered as a suggestion is counted
    apart (it is still a miss): evals.score_real's `declined_right_suggested`."""
    from evals.score_real import score

    question = "How much does a ketamine infusion cost in Denver?"
    sections = bot.respond([], question).extras["suggestions"]
    key_of = {p.section: p.key for p in bot.retriever.index().passages}
    offered, other = key_of[sections[0]], next(k for k in key_of.values() if k not in {key_of[s] for s in sections})
    result = score([{"text": question, "expect": "answer", "expect_passages": [offered]},
                    {"text": question, "expect": "answer", "expect_passages": [other]}], bot)
    assert [r["suggested_right"] for r in result["items"]] == [True, False]
    assert result["summary"]["declined_right_suggested"] == 1 and result["summary"]["answered_right"] == 0


@pytest.mark.parametrize("question", ["Is there parking near the clinic?", "is there wifi in the infusion room",
                                      "is there a bathroom at the clinic"])
def test_clinic_logistics_are_declined(bot, question):
    reply = bot.respond([], question)
    assert reply.route == "no_answer" and not reply.citations
    assert reply.audit["no_answer_reason"] == "clinic_logistics"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¿La ketamina puede dañar la vejiga?", "es"),
        ("la ketamina me hace daño a la vejiga", "es"),
        ("¿Cuánto dura el efecto?", "es"),
        ("Can ketamine damage the bladder?", "en"),
        ("is ketamine safe for me", "en"),
        ("que es la ketamina", "es"),
    ],
)
def test_language_is_detected_with_a_cheap_rule(text, lang):
    assert language(text) == lang


def test_spanish_question_is_answered_in_spanish_with_the_same_citation(bot, assert_verbatim):
    english = bot.respond([], "Can ketamine damage the bladder?")
    reply = bot.respond([], "¿La ketamina puede dañar la vejiga?", locale="en-US")
    assert reply.route == "answer" and reply.audit["lang"] == "es"
    assert_verbatim(reply, FIXTURES, whole=True)  # the Spanish file's section, word for word
    c = reply.citations[0]
    assert c.passage.startswith("La cistitis por ketamina") and f"{c.passage} [1]" in reply.text
    assert c.key == english.citations[0].key == BLADDER  # pairs with the English section
    assert c.refs == english.citations[0].refs and c.url == english.citations[0].url


def test_spanish_decline_is_in_spanish(bot):
    reply = bot.respond([], "¿Cuánto cuesta la ketamina en Madrid?", locale="en-US")
    assert reply.route == "no_answer"
    assert reply.text.startswith("No tengo un texto revisado")
    assert "Preguntas que sí puedo responder" in reply.text


@pytest.mark.parametrize(
    ("history", "message", "condensed"),
    [
        (["how long does it last"], "and for PTSD specifically?", True),
        (["is spravato safe"], "what about the spray", True),
        (["what is ketamine cystitis"], "how long does that last", True),
        (["what is ketamine cystitis"], "What did the 2021 ketamine trial find about midazolam?", False),
        ([], "and for PTSD specifically?", False),
        # opening as a follow-up, it is one up to 14 words; a pointer alone, up to 8
        (["what are the main side effects of spravato"], "and how long do they last after each dose?", True),
        (["is spravato safe"], "so would spravato be an option for someone like me then, do you think?", True),
        (["is spravato safe"], "and what does the research say about ketamine for veterans with combat ptsd and depression?", False),
        # opening by pointing back with that/this/those/these (not "it"), up to 14 words
        (["can ketamine damage your bladder"], "does that happen with treatment doses or only people who abuse it", True),
        (["is spravato safe"], "is it true that ketamine was first made for horses?", False),
        (["is spravato safe"], "we were told that the ketamine infusions at the clinic are the same as this", False),
        # only words that ask about a subject without naming one, up to 6 words (GENERIC)
        (["can ketamine cause bladder problems"], "what are the symptoms", True),
        (["can ketamine cause bladder problems"], "how common", True),
        (["cuanto cuesta la ketamina"], "y los riesgos", True),
        (["can ketamine cause bladder problems"], "what is ptsd", False),
        (["how much does spravato cost"], "what is a k-hole", False),
        (["can ketamine cause bladder problems"], "what are the symptoms of ptsd in veterans after combat", False),
        # (stop 32) how many / how long / who, asked of the thread's subject
        (["what does prolonged exposure therapy for ptsd involve"], "how many weeks", True),
        (["Can I drive home after a ketamine infusion?"], "how long should i wait", True),
        (["Is esketamine approved for teenagers?"], "minimum age", True),
        (["Can I drink alcohol on the day of my infusion?"], "ok what about the next day", True),
        (["Can I drink alcohol on the day of my infusion?"], "how long should i wait before i can drink at a wedding", False),
        (["how much does spravato cost"], "how many weeks until psilocybin is legal", False),
    ],
)
def test_a_short_follow_up_is_read_with_the_previous_question(history, message, condensed):
    query, was = condense([Turn("user", h) for h in history], message)
    assert was is condensed
    assert query == (f"{history[0]} {message}" if condensed else message)


def test_follow_up_is_audited_and_matched_with_its_thread(bot):
    history = [Turn("user", "What did the 2021 ketamine trial find?"), Turn("assistant", "...", "answer")]
    reply = bot.respond(history, "and how long did it last?")
    assert reply.audit.get("condensed") is True
    assert "how long did it last" not in json.dumps(reply.audit)
    assert reply.route == "answer" and reply.citations[0].key == FEDER_FIND
    alone = bot.respond([], "and how long did it last?")
    assert not alone.audit.get("condensed")


def test_a_follow_up_that_swaps_the_subject_is_not_answered_with_the_thread_passage(bot):
    """'and my klonopin?' after a lamotrigine question got the lamotrigine passage: a short
    follow-up naming a new subject is matched on its own when the thread's passage does not
    name it."""
    history = [Turn("user", "Can ketamine damage the bladder?"), Turn("assistant", "...", "answer")]
    reply = bot.respond(history, "and what about veterans?")
    assert reply.audit.get("condensed") == "dropped"
    assert BLADDER not in [c.key for c in reply.citations]
    same = bot.respond(history, "and for recreational users?")  # the bladder passage names them: kept
    assert same.audit.get("condensed") is True


def test_the_new_subject_of_a_follow_up_is_what_the_previous_question_did_not_name():
    first = "Is ketamine safe during pregnancy? I'm 10 weeks along and my PTSD is really bad."
    then = "what about EMDR instead, is that ok while pregnant"
    assert new_subject(f"{first} {then}", then) == {"emdr"}
    assert new_subject("can ketamine cause bladder problems how common", "how common") == set()
    assert new_subject("is spravato safe and for teens?", "and for teens?") == {"teen"}


def test_a_follow_up_whose_new_subject_nothing_names_is_declined_not_answered_with_the_thread(real):
    """"what about EMDR instead, is that ok while pregnant" after a question on ketamine in
    pregnancy got the ketamine-in-pregnancy passage, read with the thread and alone alike: no
    vetted passage names EMDR in pregnancy, so it is declined with suggestions."""
    from bot.types import Turn

    first = "Is ketamine safe during pregnancy? I'm 10 weeks along and my PTSD is really bad."
    one = real.respond([], first)
    pregnancy = one.citations[0].key
    assert one.route == "answer" and "pregnan" in pregnancy
    two = real.respond([Turn("user", first), Turn("assistant", one.text, one.route)],
                       "what about EMDR instead, is that ok while pregnant")
    assert two.audit.get("condensed") == "declined"
    assert two.route == "no_answer" and pregnancy not in [c.key for c in two.citations]
    assert two.extras.get("suggestions")
    same = real.respond([Turn("user", first), Turn("assistant", one.text, one.route)], "and while breastfeeding?")
    assert same.route == "answer" and same.audit.get("condensed") is True


@pytest.mark.parametrize(("question", "key", "named"), [
    ("is sertraline safe while breastfeeding", "other_treatment", ["ssri"]),
    ("does insurance cover EMDR", "other_treatment", ["emdr"]),
    ("is CPT safe during pregnancy", "other_treatment", ["cpt"]),
    # stop 33: the US insurance passage answered questions about Ontario and Canada
    ("does ohip cover ketamine for depression in ontario or do i pay out of pocket", "place", ["ohip", "ontari"]),
    ("is ketamine for ptsd covered by insurance in canada", "place", ["canada"]),
])
def test_a_question_about_another_treatment_or_a_place_no_passage_names_is_declined(real, question, key, named):
    """"is sertraline safe while breastfeeding" got the ketamine breastfeeding passage: a
    passage that does not name the treatment (or place) asked about does not answer it."""
    reply = real.respond([], question)
    assert reply.route == "no_answer" and not reply.citations
    assert reply.audit.get(key) == named
    assert reply.extras.get("suggestions")


@pytest.mark.parametrize(("question", "section"), [
    ("can i take zoloft with ketamine", "SSRI"),
    ("is EMDR better than ketamine", "standard PTSD treatment"),
    ("can i get legal psilocybin sessions in oregon", "Oregon"),
    ("can i get spravato on the nhs", "NHS"),
])
def test_a_passage_that_names_the_other_treatment_or_place_still_answers(real, question, section):
    reply = real.respond([], question)
    assert reply.citations and section in reply.citations[0].key
    assert "other_treatment" not in reply.audit and "place" not in reply.audit


def test_a_question_about_two_things_is_answered_with_a_passage_for_each(real):
    """(stop 38) "weed ... and wine": the alcohol passage ranked first and does not name cannabis,
    so the question was declined although the cannabis passage, over the decision's own bar, was
    second. A passage that answers on its own and names what the first does not completes it."""
    reply = real.respond([], "can i smoke weed the day of my infusion or should i hold off? and is a glass "
                             "of wine the night before ok")
    keys = [c.key for c in reply.citations]
    assert any("alcohol" in k for k in keys) and any("cannabis" in k for k in keys), keys
    assert reply.audit.get("other_treatment_completed") == ["cannab"] and "other_treatment" not in reply.audit
    # a passage under the bar never completes one: sertraline in breastfeeding stays declined
    assert not real.respond([], "is sertraline safe while breastfeeding").citations


def test_a_bare_follow_up_is_answered_about_the_threads_subject(real):
    """"what are the symptoms" after a bladder question was matched alone and got the PTSD
    symptoms section."""
    from bot.types import Turn

    first = "can ketamine cause bladder problems"
    one = real.respond([], first)
    two = real.respond([Turn("user", first), Turn("assistant", one.text, one.route)], "what are the symptoms")
    assert two.audit.get("condensed") is True
    bladder = "ketamine-bladder-memory-effects-heavy-use#Can ketamine damage the bladder?"
    assert two.route == "answer" and two.citations[0].key == bladder
    alone = real.respond([], "what are the symptoms")
    assert alone.citations and alone.citations[0].key != bladder


def test_a_follow_up_never_changes_the_crisis_decision(bot):
    history = [Turn("user", "Can ketamine damage the bladder?"), Turn("assistant", "...", "answer")]
    assert bot.respond(history, "and I want to kill myself").route == "crisis"
    history = [Turn("user", "I want to kill myself"), Turn("assistant", "...", "crisis")]
    first = bot.respond(history, "what about the bladder")
    # (stop 41) a plain question right after a crisis reply is asked first: the after-crisis text
    assert first.route == "crisis" and not first.citations
    history += [Turn("user", "what about the bladder"), Turn("assistant", first.text, "crisis")]
    calm = bot.respond(history, "what about the bladder")
    # asked again, the screen lets it through (lines kept on screen), and a crisis turn is never
    # the thread it is read with
    assert calm.route == "answer" and calm.extras.get("after_crisis") is True
    assert not calm.audit.get("condensed") and calm.citations[0].key == BLADDER


# --- the popular article: claim cards only ------------------------------------------------

ARTICLE = """---
id: popular-mini
title: "A popular piece on ketamine"
publisher: "Test fixture publisher"
year: "unknown"
url: "https://example.org/popular-piece"
source_type: popular_article
references:
  - key: POP
    cite: "A popular piece on ketamine. Test fixture."
    url: "https://example.org/popular-piece"
reviewed_by: "Test fixture"
reviewed_on: 2026-11-26
review_by: 2027-11-26
licence: "Test fixture"
summary: "Test fixture: a popular article with two claims."
---
# A popular piece on ketamine

## Lasting relief

Ketamine gives people with PTSD relief that lasts for many months after treatment. Many readers find this hopeful.

## Bladder worries

Bladder problems never happen with ketamine at any dose.
"""
CLAIMS = f"""- claim: "Ketamine gives people with PTSD relief that lasts for many months after treatment."
  verdict: overstated
  why: "In the 2021 trial the benefit usually faded within about a month."
  evidence: "{FEDER_FIND}"
- claim: "Bladder problems never happen with ketamine at any dose."
  verdict: contradicted
  why: "Bladder damage is seen mainly with frequent, long-term recreational use."
  evidence: "{BLADDER}"
"""


@pytest.fixture(scope="module")
def article_bot(tmp_path_factory, embedder, fixture_settings):
    corpus = tmp_path_factory.mktemp("article") / "corpus"
    shutil.copytree(FIXTURES, corpus)
    (corpus / "popular-mini.md").write_text(ARTICLE)
    (corpus / "claims").mkdir()
    (corpus / "claims" / "popular-article-claims.yaml").write_text(CLAIMS)
    settings = fixture_settings.with_(data_dir=corpus.parent / "data", corpus_dir=corpus)
    ingest(settings)
    return Assistant(settings)


@pytest.mark.parametrize(
    ("text", "about"),
    [("What does the popular article say about the bladder?", True), ("the article says it lasts months, true?", True),
     ("is that blog post right", True), ("How long does the benefit last?", False),
     ("¿es cierto lo que dice el artículo sobre la vejiga?", True),
     # another post the person read is not the popular article (stop 38)
     ("read a post saying higher doses work worse, should i ask to turn mine down?", False),
     ("are there any good articles about ketamine for ptsd", False), ("a blog said ketamine is addictive, is it?", False),
     ("my discharge sheet, it says no driving for 24 hours, why?", False)],
)
def test_questions_about_the_article_are_recognised(text, about):
    assert about_article(text) is about


def test_a_question_about_the_article_gets_a_claim_card(article_bot, assert_verbatim):
    reply = article_bot.respond([], "The popular article says ketamine relief lasts for months. Is that true?")
    assert reply.route == "answer"
    card = reply.extras["claim_cards"][0]
    assert card["verdict"] == "overstated" and card["evidence"] == FEDER_FIND
    by_n = {c.n: c for c in reply.citations}
    assert by_n[card["claim_n"]].source_type == "popular_article"
    assert by_n[card["evidence_n"]].key == FEDER_FIND
    assert "Ketamine gives people with PTSD relief that lasts for many months after treatment." in reply.text
    assert "overstated" in reply.text and by_n[card["evidence_n"]].passage in reply.text
    assert verbatim(reply) and not padded(reply)
    assert_verbatim(reply, article_bot.settings.corpus_dir)


def test_the_article_never_pads_an_ordinary_answer(article_bot):
    for q in ("How long does the benefit of ketamine last?", "can ketamine hurt my bladder",
              "relief that lasts for many months after treatment?"):
        reply = article_bot.respond([], q)
        assert all(c.source_type != "popular_article" for c in reply.citations), q


# --- the real corpus and the gold set -------------------------------------------------------


@pytest.fixture(scope="module")
def real(corpus_settings):
    bot = Assistant(corpus_settings)
    keys = {p.key for p in bot.retriever.index().passages}
    wanted = {k for g in GOLD for k in g.get("expect_passages", [])}
    assert sorted(wanted - keys) == [], "gold passages the bundled corpus lacks: relabel the gold set"
    return bot


@pytest.fixture(scope="module")
def gold_replies(real):
    return {g["id"]: real.respond([], g["text"]) for g in GOLD}


def test_gold_set_is_big_enough():
    assert sum(g["expect"] == "answer" for g in GOLD) >= 30 and sum(g["expect"] != "answer" for g in GOLD) >= 5


# The passage decision (bot/retrieval/data/decision.json) was fitted on the even lines of the
# gold set without its article questions (evals/calibrate_retrieval.py); the odd lines were
# never fitted on, so only they check it.
CHECK_HALF = [g for g in GOLD if not about_article(g["text"])][1::2]
# measured 91.7% (44 of 48) answered with a right passage, fresh ingest of corpus/ at main
# 0ef4a0c, 2026-12-02 (decision.json's own check_gold_half says the same): 0.89 allows one more miss
CHECK_RIGHT_MIN = 0.89


def test_gold_check_half_answers_cite_a_right_passage(gold_replies):
    answerable = [g for g in CHECK_HALF if g["expect"] == "answer"]
    right = [g["id"] for g in answerable
             if {c.key for c in gold_replies[g["id"]].citations} & set(g["expect_passages"])]
    assert len(answerable) >= 45
    assert len(right) / len(answerable) >= CHECK_RIGHT_MIN, sorted({g["id"] for g in answerable} - set(right))


def test_gold_check_half_declines_all_it_should(gold_replies):
    # measured 5 of 5 declined: a question to decline that gets a passage is a wrong answer
    # (4 since stop 19: the corpus now answers gold-102, OCD, and it was relabelled)
    declined = {g["id"]: not gold_replies[g["id"]].citations for g in CHECK_HALF if g["expect"] != "answer"}
    assert len(declined) >= 4 and [k for k, ok in declined.items() if not ok] == []


def test_every_gold_reply_is_verbatim_and_unpadded(gold_replies, corpus_settings, assert_verbatim):
    for g in GOLD:
        reply = gold_replies[g["id"]]
        assert verbatim(reply), g["id"]
        assert not padded(reply), g["id"]
        if reply.citations:
            assert_verbatim(reply, corpus_settings.corpus_dir)


def test_reply_json_shape(bot):
    data = reply_json(bot.respond([], "What did the 2021 ketamine trial find?"), item_id="q1")
    assert list(data)[:6] == ["id", "route", "text", "citations", "resources", "audit"]
    assert data["citations"]
    for c in data["citations"]:
        assert set(c) >= {"n", "source_id", "title", "url", "source_type", "section", "passage", "refs", "key"}
    assert "corpus_hash" in data["audit"] and "2021 ketamine trial" not in json.dumps(data["audit"])


# Headings that would not get their own section back (none today: a boundary turn withholds a
# dose-stating passage only when the question asks about an amount, which no heading does).
HEADINGS_REFUSED: set[str] = set()

BENZO = "ketamine-with-sedatives-alcohol-and-other-drugs#Can I take a benzodiazepine with ketamine?"


@pytest.mark.parametrize("question, shows_benzo_passage", [
    # a personal question gets the boundary text and the whole vetted passage, whose sedation
    # caveat cites a study's diazepam amount: withholding it would withhold the warning
    ("can i take xanax with ketamine", True),
    ("Can I take a benzodiazepine with ketamine?", True),
    # asking about an amount: a study's dose would read as an instruction, so no dose is shown
    ("how much xanax can i take with ketamine", False),
    ("how many mg of a benzodiazepine can i take with ketamine", False),
])
def test_a_boundary_reply_withholds_dose_passages_only_when_asked_about_an_amount(real, question,
                                                                                   shows_benzo_passage):
    reply = real.respond([], question)
    assert reply.route == "boundary"
    assert (BENZO in [c.key for c in reply.citations]) is shows_benzo_passage
    if not shows_benzo_passage:  # the passage did answer; it was withheld, not declined
        assert reply.audit["best_p"] >= real.retriever.decision.threshold
        assert not any(DOSE_RE.search(c.passage) for c in reply.citations)


@pytest.mark.parametrize("question", ["can i go to work the next day after ketamine",
                                      "do i have to stop drinking coffee before spravato",
                                      "¿puedo manejar después de mi sesión de spravato?"])
def test_a_directive_a_general_passage_answers_says_the_prescriber_decides(real, question):
    # "can I / should I" that a general passage answers: the passage, led by "your prescriber
    # decides", not by the refusal (issue 11: education is not refused)
    reply = real.respond([], question)
    assert reply.route == "boundary" and reply.citations
    assert reply.extras.get("prescriber_decides") is True
    assert not reply.text.startswith(("I can't give personal", "No puedo dar"))
    assert reply.text.startswith(("Whether this applies to you", "Si esto se aplica a usted"))


def test_a_directive_nothing_answers_keeps_the_refusal(real):
    reply = real.respond([], "can i take ketamine while on birth control")
    assert reply.route == "boundary" and not reply.citations
    assert reply.text.startswith("I can't give personal") and not reply.extras.get("prescriber_decides")
    # ... and, since no general information follows, the nearest questions it can answer
    suggestions = reply.extras["suggestions"]
    assert 1 <= len(suggestions) <= 3 and all(q in reply.text for q in suggestions)
    assert "Questions I can answer:" in reply.text


def test_a_dose_request_gets_no_suggestions(real):
    reply = real.respond([], "how much ketamine should i take to feel better")
    assert reply.route == "boundary" and not reply.extras.get("suggestions")


@pytest.mark.parametrize("question, amount", [
    ("how much ketamine will they give me", True), ("how many sprays is a dose", True),
    ("what's the dosage", True), ("is 50 mg a lot", True), ("¿cuánta ketamina me van a dar?", True),
    ("¿qué dosis es normal?", True),
    ("can i take xanax with ketamine", False), ("do i keep my antidepressant", False),
    ("¿puedo tomar clonazepam con la ketamina?", False), ("how long does it last", False),
])
def test_asks_amount(question, amount):
    assert asks_amount(question) is amount


def test_every_heading_is_answered_by_its_own_section(real):
    """A section's own question is the easiest one it answers: asked word for word, it must get
    that section (an invariant of matching, not a measure of quality on real questions)."""
    index = real.retriever.index()
    keys = sorted({p.key for p in index.passages if "#" in p.key and p.meta.get("source_type") != "popular_article"
                   and not p.key.startswith(("es/", "es-"))})
    # a question naming the popular article gets claim cards instead (issue 11, item 4)
    english = [k for k in keys if (ROOT / "corpus" / f"{k.split('#')[0]}.md").exists()
               and not about_article(k.split("#", 1)[1])]
    assert len(english) >= 100
    missed = sorted(k for k in english
                    if k not in {c.key for c in real.respond([], k.split("#", 1)[1]).citations})
    assert missed == sorted(HEADINGS_REFUSED), missed


@pytest.mark.parametrize("question, right, wrong", [
    # an infusion is IV ketamine: Spravato's list price is the wrong passage (stop 26 probe)
    ("how much does an infusion cost without insurance", "ketamine-cost-and-insurance-coverage#How much does IV ketamine cost?",
     "spravato-list-price-without-insurance#How much does Spravato cost without insurance?"),
    # the acute effects wearing off, not how long the benefit lasts
    ("how long do the effects wear off after an infusion",
     "what-a-ketamine-treatment-session-is-like#What happens during an IV ketamine session?",
     "how-soon-ketamine-works-and-how-long-it-lasts#How long does the benefit of ketamine last?"),
])
def test_a_question_gets_the_passage_about_its_own_subject(real, question, right, wrong):
    keys = [c.key for c in real.respond([], question).citations]
    assert keys and keys[0] == right and wrong not in keys, keys


def test_a_failing_clause_encoder_falls_back_to_the_whole_question(real, corpus_settings):
    """Clauses of a run-on message are embedded separately; if that fails, the question is
    still matched (as without an encoder for clauses), never an error."""
    text = "i started spravato last month and my wife is worried. can i drive myself home after spravato?"
    qvec = corpus_settings.get_embedder().encode([text])[0]

    def broken(_texts):
        raise RuntimeError("encoder went away")

    failed = real.retriever.match(text, qvec, embed=broken)
    plain = real.retriever.match(text, qvec, embed=None)
    assert [c.passage.key for c in failed.answer] == [c.passage.key for c in plain.answer]
    assert failed.answer, "the whole question still finds its passage"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_start_page_questions_are_all_answered(real, lang):
    """The questions the patient page offers first (prompts/ui.<lang>.yaml) must each get a cited
    passage: the first of them had none until an overview section was written."""
    import yaml

    starters = yaml.safe_load((ROOT / "prompts" / f"ui.{lang}.yaml").read_text(encoding="utf-8"))["starters"]
    assert len(starters) >= 3
    for q in starters:
        reply = real.respond([], q)
        assert reply.route == "answer" and reply.citations, (q, reply.route)
        assert all(c.source_type != "popular_article" for c in reply.citations), q


def test_a_follow_up_shows_a_passage_the_last_reply_did_not(real):
    """'what about for veterans?' after an answer wants more than the same passage again; when
    no other passage answers, the best one is shown again rather than nothing."""
    from bot.types import Turn

    def thread(first: str, then: str):
        one = real.respond([], first)
        two = real.respond([Turn("user", first), Turn("assistant", one.text, one.route)], then)
        return one, two

    one, two = thread("is ketamine approved for ptsd", "what about for depression?")
    assert one.citations and two.citations
    assert {c.key for c in two.citations}.isdisjoint({c.key for c in one.citations})
    # ("how common is that" was the example here until the claims check section gained the
    # phrasing its last sentence answers: how often bladder harm occurs in treatment is unmeasured)
    one, two = thread("can ketamine cause bladder problems", "is it permanent")
    assert one.citations and two.citations and two.citations[0].key == one.citations[0].key


@pytest.mark.parametrize("question, lang, fixed, not_this", [
    ("does ketamine help cronic pain", "en", "chronic", "cronico"),
    ("can it afect my memory", "en", "affect", "afecta"),
    ("side efects of spravato", "en", "effects", "efecto"),
    ("canto cuesta la ketamina por semana", "es", "cuanto", "cant"),
    ("tiene efectos secundarios gaves", "es", "graves", "gave"),
])
def test_a_misspelt_word_is_read_as_a_word_of_the_questions_own_language(real, question, lang, fixed, not_this):
    """Spelling correction looks only among the corpus words of the question's language: with
    every language's words, "cronic" became the Spanish "cronico" in an English question."""
    words = real.retriever.index().spelled(question, lang).split()
    assert fixed in words and not_this not in words, words


@pytest.mark.parametrize("question, word", [
    ("im on wellbutrin, any problem combining that with ketamine infusions?", "antidepressant"),
    ("can i take my oxycodone the day of my spravato", "opioid"),
    ("is vyvanse ok with ketamine", "stimulant"),
])
def test_a_drug_named_by_brand_or_generic_is_read_as_the_class_the_corpus_names(real, question, word):
    """The corpus speaks of antidepressants, opioids and stimulants, not each product: the
    lexical features read the product as its class (and the question ranks the class's passage
    first: "im on wellbutrin ..." moved from P 0.17, unranked, to 0.46, first)."""
    assert word in real.retriever.index().spelled(question, "en").split()


@pytest.mark.parametrize("question", ["how does ketamine work", "what is spravato", "can ketamine cause psychosis",
                                      "¿la ketamina es adictiva"])
def test_punctuation_does_not_change_how_a_question_is_matched(real, question):
    """"how does ketamine work?" was declined while "how does ketamine work" was answered: the
    question mark's rare character n-grams took a large share of the question's vector (whole-
    section similarity 0.12 against 0.21). The n-gram features now read the question's words."""
    index = real.retriever.index()
    qvec = real.settings.get_embedder().encode([question])[0]
    base = index.features(question, qvec)
    for variant in (question + "?", question + "?!", f"({question})...", question.replace(" ", ", ", 1)):
        got = index.features(variant, qvec)
        for col in ("chars", "charp"):
            j = PER_PASSAGE.index(col)
            assert np.allclose(got[:, j], base[:, j]), (variant, col)



def test_a_question_mark_no_longer_declines_a_plain_question(real):
    """The case that showed it (the embedding still reads the question mark, so replies to
    borderline questions may still differ with and without it)."""
    reply = real.respond([], "How does ketamine work?")
    assert reply.route == "answer" and reply.citations[0].key.startswith("how-ketamine-may-work-mechanism#")


@pytest.mark.parametrize("dressed", [
    "<b>How does ketamine work?</b>",
    "**How does ketamine work?**",
    "<script>alert(1)</script> How does ketamine work?",
    "[How does ketamine work?](http://example.com)",
    "# How does ketamine work?",
])
def test_markup_around_a_question_is_not_part_of_the_question(real, dressed):
    """HTML or Markdown pasted around a question ("<b>what is spravato</b>") made it a question
    nothing answered; it is matched on its words, and the audit says markup was taken away."""
    plain = real.respond([], "How does ketamine work?")
    reply = real.respond([], dressed)
    assert plain.route == "answer" and plain.citations
    assert reply.route == "answer" and [c.key for c in reply.citations] == [c.key for c in plain.citations]
    assert reply.audit.get("markup_removed") is True


def test_the_screen_reads_what_markup_would_hide_from_matching(real):
    """Markup is taken away only for matching: words inside tags still reach the crisis screen."""
    reply = real.respond([], "<b>i want to kill myself</b> what is spravato")
    assert reply.route == "crisis" and not reply.citations


def test_a_new_short_question_is_never_read_with_the_one_before():
    """The fresh threads of evals/sets/threads/followup_dev.jsonl (written by someone who saw
    neither corpus nor code): a short new question after another is matched on its own."""
    from bot.types import Turn
    from evals.followup_threads import DEFAULT_SET, load

    rows = load(DEFAULT_SET)
    fresh = [r for r in rows if r["kind"] == "fresh"]
    assert len(fresh) >= 20
    read_with = [r["id"] for r in fresh if condense([Turn("user", r["first"])], r["then"])[1]]
    assert read_with == []


@pytest.mark.parametrize(("question", "section"), [
    ("does ketamine help ptsd", "What are the chances ketamine will work for my PTSD?"),
    ("is ketamine good for ptsd", "What are the chances ketamine will work for my PTSD?"),
    ("does spravato work for ptsd", "Is Spravato approved for PTSD?"),
    ("how does ketamine help ptsd, what is it doing in the brain",
     "Does ketamine rewire the brain or calm the fear center in PTSD?"),
])
def test_the_commonest_first_questions_are_answered(real, question, section):
    """Stop 31 left "does ketamine help ptsd" and "is ketamine good for ptsd" declined (the nearest
    corpus question was "does ketamine prevent ptsd"); the sections now carry these phrasings."""
    reply = real.respond([], question)
    assert reply.route == "answer" and reply.citations[0].key.endswith("#" + section)
