"""The tier choice of evals/train_guard.py on small synthetic scores (no training data needed):
a tier opens as far as the constraints allow, stays closed when it would send a patient's
ordinary question to crisis, and why_closed names the question that kept it closed."""

from __future__ import annotations

import numpy as np

from bot.safety.screen import MODEL_TIERS, TIER_OFF
from bot.safety.sources import CLASSES
from evals.train_guard import PATIENT, Parts, pick_tiers, violations, why_closed

HARM = CLASSES.index("harm_others")
SAFE = CLASSES.index("safe")


def _parts(n: int) -> Parts:
    return Parts(rules=np.full(n, -1), gates={t: np.ones(n, dtype=bool) for t, _, _ in MODEL_TIERS})


def _probs(harm: list[float]) -> np.ndarray:
    p = np.zeros((len(harm), len(CLASSES)))
    p[:, HARM] = harm
    p[:, SAFE] = 1 - np.asarray(harm)
    return p


def _scored(harm: list[float], labels: list[int], group: list[int] | None = None):
    y = np.array(labels if group is None else group)
    return _parts(len(harm)), _probs(harm), None, y


def test_harm_tier_opens_below_the_training_threats_and_above_every_dev_item():
    dev = _scored([0.1] * 200 + [0.4] * 5, [], [0] * 100 + [PATIENT] * 105)
    pos = [_scored([0.9, 0.8, 0.7, 0.2], [HARM] * 4)]
    tiers = pick_tiers(dev, [], pos)
    assert 0.4 < tiers["tier:harm_others"] <= 0.7
    assert violations(dev, [], {t: TIER_OFF for t, _, _ in MODEL_TIERS}) == []


def test_one_patient_question_keeps_the_harm_tier_closed_and_is_named():
    harm = [0.1] * 104 + [0.97]  # the last patient question scores above every threat
    dev = _scored(harm, [], [0] * 100 + [PATIENT] * 5)
    pos = [_scored([0.9, 0.8, 0.7], [HARM] * 3)]
    tiers = pick_tiers(dev, [], pos)
    assert tiers["tier:harm_others"] == TIER_OFF
    texts = [f"question {i}" for i in range(len(harm))]
    lines = why_closed(dev, [], tiers, texts, at=(0.8,))
    assert any(line.startswith("harm_others at 0.8: patient questions: question 104") for line in lines)


def test_a_lookalike_source_over_its_limit_is_a_violation():
    dev = _scored([0.1] * 10, [], [0] * 10)
    look = _scored([0.9] * 10 + [0.1] * 90, [SAFE] * 100)  # 10% of the safe look-alikes score high
    tiers = {t: TIER_OFF for t, _, _ in MODEL_TIERS}
    assert violations(dev, [look], {**tiers, "harm_others": 0.5}) == ["look-alike source 0: 10.00% > 3.00%"]
    assert violations(dev, [look], {**tiers, "harm_others": 0.95}) == []



def test_the_unnamed_harm_tier_is_simulated_with_its_own_gate():
    """A harm score naming no one (English) goes through the harm_unnamed tier, one naming a
    person through harm_others; the simulation reads the screen's own gates for each."""
    from evals.train_guard import screen_parts, screen_pred

    items = [([], "and now I have a really bad headache that won't go away"),
             ([], "he will regret it, I will get him after work")]
    parts = screen_parts(items)
    assert parts.gates["harm_others"].tolist() == [False, True]
    assert parts.gates["harm_unnamed"].tolist() == [True, False]
    probs = _probs([0.9, 0.9])
    off = {t: TIER_OFF for t, _, _ in MODEL_TIERS}
    assert (screen_pred(parts, probs, off | {"harm_others": 0.5}) == HARM).tolist() == [False, True]
    assert (screen_pred(parts, probs, off | {"harm_unnamed": 0.5}) == HARM).tolist() == [True, False]


def test_fixed_tiers_stay_where_they_are_and_the_others_are_picked_around_them():
    """--tiers-only: the stored crisis tiers are held, only the named tiers move."""
    dev = _scored([0.1] * 200 + [0.4] * 5, [], [0] * 100 + [PATIENT] * 105)
    pos = [_scored([0.9, 0.8, 0.7, 0.2], [HARM] * 4)]
    fixed = {"crisis_strong": 0.998, "crisis_cue": 0.5, "harm_unnamed": 0.75}
    tiers = pick_tiers(dev, [], pos, fixed)
    assert {k: tiers[f"tier:{k}"] for k in fixed} == fixed
    assert 0.4 < tiers["tier:harm_others"] <= 0.7
    held = pick_tiers(dev, [], pos, {**fixed, "harm_others": TIER_OFF})
    assert held["tier:harm_others"] == TIER_OFF


def test_a_threat_with_a_violent_word_opens_the_harm_tiers():
    """"kill", "die" and "hurt" are IN_SCOPE words (feelings and violence are the assistant's
    topics), but they no longer close the harm tiers: with them, nearly every threat was
    "in scope" (blind harm recall: telegram_threats 27.8% -> 34.0%, youtube_threat 40.2% -> 59.0%).
    A question naming the treatment still keeps them closed."""
    from evals.train_guard import screen_parts

    items = [([], "i hate my dad so much i could kill him"), ([], "i want to kill so badly right now"),
             ([], "can ketamine kill you if you take too much")]
    parts = screen_parts(items)
    assert parts.gates["harm_others"].tolist() == [True, False, False]
    assert parts.gates["harm_unnamed"].tolist() == [False, True, False]
