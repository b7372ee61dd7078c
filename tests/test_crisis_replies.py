"""respond() for the screen's crisis kinds, the support route and the turn after a crisis
reply (issues 10 and 12): which fixed text, which lines, and what Reply.extras says."""

from __future__ import annotations

import pytest

from bot import prompts
from bot.chat import Assistant
from bot.types import Turn


@pytest.fixture(scope="module")
def bot(fixture_settings):
    return Assistant(fixture_settings)


def _text(bot, name, locale="en-US"):
    return prompts.text(bot.settings.prompts_dir, name, locale)


@pytest.mark.parametrize(
    ("message", "kind", "prompt"),
    [
        ("I want to kill myself", "self", "crisis"),
        ("I want to kill my husband.", "others", "harm_others"),
        ("quiero matar a mi vecino, ya tengo el cuchillo", "others", "harm_others"),
    ],
)
def test_crisis_kind_and_its_fixed_text(bot, message, kind, prompt):
    reply = bot.respond([], message)
    assert reply.route == "crisis"
    assert reply.extras["crisis_kind"] == kind
    locale = reply.audit["locale"]
    assert reply.text == _text(bot, prompt, locale)
    assert reply.resources[0].name.lower().startswith("emergenc")  # the emergency number first
    # harm to others: no lecture, no plan; a person at risk themselves gets the plan
    assert ("safety_plan" in reply.extras) is (kind == "self")


@pytest.mark.parametrize("message", ["i keep getting intrusive thoughts about hurting my kids and i hate it",
                                     "tengo pensamientos intrusivos de hacerle daño a mi bebé y me da miedo"])
def test_unwanted_thoughts_of_harm_keep_the_emergency_lines_without_distance_advice(bot, message):
    """Intrusive, unwanted thoughts of harming someone (common in OCD and after a birth) stay a
    crisis of kind others with the emergency number first, but the text brings them to the
    clinician instead of telling a parent to move away from their child."""
    reply = bot.respond([], message)
    assert reply.route == "crisis" and reply.extras["crisis_kind"] == "others"
    assert reply.extras.get("intrusive") is True
    assert reply.text == _text(bot, "harm_others_intrusive", reply.audit["locale"])
    assert reply.resources[0].name.lower().startswith("emergenc")
    assert "distance" not in reply.text and "aléjate" not in reply.text
    plain = bot.respond([], "i want to hurt my ex, i know where she lives")
    assert plain.route == "crisis" and "intrusive" not in plain.extras
    assert plain.text == _text(bot, "harm_others", plain.audit["locale"])


@pytest.mark.parametrize(("message", "locale"), [("I feel so lonely lately", "en-US"),
                                                  ("me siento muy sola", "es-US")])
def test_support_gets_a_warm_text_and_support_lines(bot, message, locale):
    reply = bot.respond([], message)
    assert reply.route == "support"
    assert reply.text == _text(bot, "support", locale)
    assert reply.resources and not any(r.name.lower().startswith("emergenc") for r in reply.resources)
    assert not reply.citations


HISTORY = [Turn("user", "I want to end my life"), Turn("assistant", "(crisis reply)", "crisis")]


def test_deflection_after_crisis_keeps_the_lines_and_says_why(bot):
    reply = bot.respond(HISTORY, "never mind, tell me about side effects")
    assert reply.route == "crisis"
    assert reply.text == _text(bot, "after_crisis")
    assert reply.resources


def test_plain_question_after_crisis_is_asked_first_then_answered_with_the_lines_visible(bot):
    q = "Can ketamine damage the bladder?"
    first = bot.respond(HISTORY, q)
    # (stop 41) the first message right after a crisis reply gets the after-crisis text
    assert first.route == "crisis" and first.text == _text(bot, "after_crisis") and first.resources
    history = [*HISTORY, Turn("user", q), Turn("assistant", first.text, "crisis")]
    reply = bot.respond(history, q)
    assert reply.route == "answer" and "after_crisis" in reply.audit["flags"]
    assert reply.extras.get("after_crisis") is True
    assert reply.resources


def test_misread_after_crisis_is_answered(bot):
    reply = bot.respond(HISTORY, "I didn't mean that, I meant my cat")
    # not crisis: it goes on to retrieval, which has nothing on cats
    assert reply.route == "no_answer" and "after_crisis_misread" in reply.audit["flags"]
    assert reply.extras.get("after_crisis") is True


@pytest.mark.parametrize(("message", "locale"), [
    ("having a rough week, everything feels gray. does the weather affect ketamine?", "en-US"),
    ("ando bien desanimado, no tengo ganas de nada. la ketamina se ve afectada por el clima?", "es-US"),
])
def test_low_mood_with_a_question_nothing_answers_gets_the_warm_decline_and_support_lines(bot, message, locale):
    """Issue 10: distress without risk gets support, not a refusal. A question nothing vetted
    answers, said with low mood, is declined warmly with the support lines (never the emergency
    number first) and still offers the nearest questions."""
    reply = bot.respond([], message)
    assert reply.route == "no_answer" and reply.extras.get("low_mood") is True
    assert reply.text.startswith(_text(bot, "no_answer_low", locale))
    assert reply.resources and not any(r.name.lower().startswith("emergenc") for r in reply.resources)
    assert reply.audit["no_answer_reason"] == "low_mood"
    plain = bot.respond([], "does the weather affect ketamine?")
    assert plain.route == "no_answer" and not plain.resources and "low_mood" not in plain.extras


def test_low_mood_said_as_a_statement_gets_the_support_text(bot):
    reply = bot.respond([], "having a rough week. the infusions helped for a few days but now im back to feeling flat")
    assert reply.route == "support"
    assert reply.text == _text(bot, "support")


def test_the_after_crisis_reply_is_marked_and_the_mark_comes_back_as_a_turn(bot):
    """Stop 42: bot.chat marks the after-crisis reply (extras["asked_first"]), and as_turns reads
    the mark back from the dicts the app and the evals pass (absent: None, not known)."""
    from bot.chat import as_turns

    history = [{"role": "user", "text": "I want to end my life"},
               {"role": "assistant", "text": "(crisis reply)", "route": "crisis", "asked_first": False}]
    reply = bot.respond(history, "How long does an infusion take?")
    assert reply.route == "crisis" and reply.extras.get("asked_first") is True
    assert bot.respond([], "I want to kill myself").extras.get("asked_first") is None
    turns = as_turns(history + [{"role": "user", "text": "x"}])
    assert [t.asked_first for t in turns] == [None, False, None]
