"""The rule tables of the safety screen, loaded from the YAML files in bot/safety/tables/.

The tables are data a clinician can review (each row with an example it must catch and one it
must not); this module only reads them and builds the Python objects bot.safety.screen uses:

    a table (MASKS, CRISIS_STRONG, ...)   a tuple of (rule_id, compiled pattern), in file order
    a named pattern (PAST_MARK, ...)      one compiled pattern
    a fragment (PERSON, MED, ...)         the expanded text of a shared piece of vocabulary
    a word list (SPANISH_WORDS, ...)      a frozenset of words
    COMBOS                                a tuple of (cue family, cue family, rule_id)

Every pattern is matched against text that bot.safety.normalize has already rewritten: lower case,
no accents, no apostrophes, contractions expanded ("i am", "do not", "cannot"), slang and
typos mapped to plain words ("kms" -> "kill myself"). The rule id is what bot.safety.screen writes
into Route.reason, so ids are stable names, and several rows may share one id (a family of
paraphrases). In tables where the first match wins, the row order of the file is the order.

The files (how to read and add a row: the header of each file):
    vocabulary.yaml  fragments the patterns share: {person}, {med}, {weapon}, ...
    masks.yaml       MASKS: benign spans blanked before the crisis tables run
    past.yaml        PAST_*: past suicidal or self-harm history, and words that say it is back
    crisis.yaml      CRISIS_STRONG (anywhere), CRISIS_FP (a clause about the writer), FP, ...
    cues.yaml        CUES, CUES_ON_RAW, COMBOS: weak cues that make a crisis in pairs
    signals.yaml     MEANS_*, DISTRESS, SOFT_PASSIVE, INTENT_TAIL, DEFLECT, RETRACT: combined across turns;
                     ORDINARY_REASON, RETOLD: where the team tiers add no crisis
    clinic.yaml      SESSION*, CLINIC_SYMPTOMS, GENERIC_EFFECT_Q: a symptom after a session
    boundary.yaml    BOUNDARY_RULES, BOUNDARY_CUE, FICTION*: directives, illicit use, jailbreaks
    scope.yaml       IN_SCOPE, HARM_NOT_TOPIC, OUT_OF_SCOPE_TOPICS, SPANISH_WORDS, ENGLISH_WORDS
(bot/safety/rules.yaml holds the newer rows that screen.rule_rows() reads; it is not loaded here.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

TABLES_DIR = Path(__file__).resolve().parent / "tables"
FILES = ("vocabulary", "masks", "past", "crisis", "cues", "signals", "clinic", "boundary", "scope")
# A placeholder in a pattern: {name} is the fragment as written (with its outer group),
# {name:bare} the fragment without its outer "(?:" and ")" (to add words to its alternatives).
PLACEHOLDER = re.compile(r"\{([a-z][a-z_]*)(:bare)?\}")
# Fragments the code reads under a private name (the others are PERSON, MED, ... by their name).
_PRIVATE = frozenset({"hypo_who", "means_strong", "session_word"})

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def pattern_text(pattern: str | list[str]) -> str:
    """A pattern as written: one string, or a list of pieces joined with nothing between them."""
    return pattern if isinstance(pattern, str) else "".join(pattern)


def expand(pattern: str, fragments: dict[str, str]) -> str:
    """The pattern with every {fragment} placeholder replaced (fragments may use fragments)."""

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in fragments:
            raise KeyError(f"unknown fragment {{{m.group(1)}}} in {pattern[:60]!r}")
        text = expand(fragments[m.group(1)], fragments)
        if m.group(2):
            if not (text.startswith("(?:") and text.endswith(")")):
                raise ValueError(f"fragment {m.group(1)} has no outer group for :bare")
            text = text[3:-1]
        return text

    return PLACEHOLDER.sub(sub, pattern)


def load(directory: Path = TABLES_DIR) -> dict[str, Any]:
    """Every name the tables define, as the Python object bot.safety.screen reads."""
    docs = {name: yaml.load((directory / f"{name}.yaml").read_text(encoding="utf-8"), Loader=_Loader)
            for name in FILES}
    raw = {name: pattern_text(f["pattern"]) for name, f in docs.pop("vocabulary")["fragments"].items()}
    out: dict[str, Any] = {}
    for name, text in raw.items():
        out[("_" if name in _PRIVATE else "") + name.upper()] = expand(text, raw)
    for doc in docs.values():
        for name, spec in doc.items():
            if name in out:
                raise ValueError(f"{name} is defined twice in {directory}")
            if "rows" in spec:
                out[name] = tuple((row["id"], re.compile(expand(pattern_text(row["pattern"]), raw)))
                                  for row in spec["rows"])
            elif "pattern" in spec:
                out[name] = re.compile(expand(pattern_text(spec["pattern"]), raw))
            elif "words" in spec:
                out[name] = frozenset(spec["words"].split())
            elif "families" in spec:
                out[name] = frozenset(spec["families"])
            elif "pairs" in spec:
                out[name] = tuple((a, b, rule_id) for a, b, rule_id in spec["pairs"])
            else:
                raise ValueError(f"{name}: no rows, pattern, words, families or pairs")
    return out


# The names bot.safety.screen and the evals read (a name the files define must be bound here).
_T = load()
PERSON: str = _T["PERSON"]
ACTOR: str = _T["ACTOR"]
RECENT: str = _T["RECENT"]
MED: str = _T["MED"]
FP: re.Pattern[str] = _T["FP"]
FP_SUBJECT: re.Pattern[str] = _T["FP_SUBJECT"]
GENERIC_SUBJECT: re.Pattern[str] = _T["GENERIC_SUBJECT"]
QUESTION_START: re.Pattern[str] = _T["QUESTION_START"]
THIRD_PERSON: re.Pattern[str] = _T["THIRD_PERSON"]
SPANISH_FP: re.Pattern[str] = _T["SPANISH_FP"]
WEAPON: str = _T["WEAPON"]
LETHAL_THING: str = _T["LETHAL_THING"]
HEIGHT: str = _T["HEIGHT"]
PILL_WORD: str = _T["PILL_WORD"]
DOSE_THING: str = _T["DOSE_THING"]
_HYPO_WHO: str = _T["_HYPO_WHO"]
MASKS: tuple[tuple[str, re.Pattern[str]], ...] = _T["MASKS"]
PAST_MARK: re.Pattern[str] = _T["PAST_MARK"]
PAST_WELL: re.Pattern[str] = _T["PAST_WELL"]
PAST_RETURN: re.Pattern[str] = _T["PAST_RETURN"]
PAST_TOPIC: re.Pattern[str] = _T["PAST_TOPIC"]
PAST_EVENT: re.Pattern[str] = _T["PAST_EVENT"]
PAST_EVENT_NOW: re.Pattern[str] = _T["PAST_EVENT_NOW"]
PAST_EVENT_ES: re.Pattern[str] = _T["PAST_EVENT_ES"]
PAST_RETURN_LATER: re.Pattern[str] = _T["PAST_RETURN_LATER"]
PAST_STILL_SYMPTOMS: re.Pattern[str] = _T["PAST_STILL_SYMPTOMS"]
PAST_ANCHOR: re.Pattern[str] = _T["PAST_ANCHOR"]
PAST_WELL_STORY: re.Pattern[str] = _T["PAST_WELL_STORY"]
PAST_VERB: re.Pattern[str] = _T["PAST_VERB"]
PAST_RECENT: re.Pattern[str] = _T["PAST_RECENT"]
CLAUSE_SPLIT: re.Pattern[str] = _T["CLAUSE_SPLIT"]
CRISIS_STRONG: tuple[tuple[str, re.Pattern[str]], ...] = _T["CRISIS_STRONG"]
CRISIS_FP: tuple[tuple[str, re.Pattern[str]], ...] = _T["CRISIS_FP"]
CUES: tuple[tuple[str, re.Pattern[str]], ...] = _T["CUES"]
CUES_ON_RAW: frozenset[str] = _T["CUES_ON_RAW"]
COMBOS: tuple[tuple[str, str, str], ...] = _T["COMBOS"]
_MEANS_STRONG: str = _T["_MEANS_STRONG"]
MEANS_STRONG: re.Pattern[str] = _T["MEANS_STRONG"]
MEANS_ANY: re.Pattern[str] = _T["MEANS_ANY"]
MEANS_WIDE: re.Pattern[str] = _T["MEANS_WIDE"]
ORDINARY_REASON: re.Pattern[str] = _T["ORDINARY_REASON"]
RETOLD: re.Pattern[str] = _T["RETOLD"]
DISTRESS: re.Pattern[str] = _T["DISTRESS"]
SOFT_PASSIVE: re.Pattern[str] = _T["SOFT_PASSIVE"]
INTENT_TAIL: re.Pattern[str] = _T["INTENT_TAIL"]
DEFLECT: re.Pattern[str] = _T["DEFLECT"]
RETRACT: re.Pattern[str] = _T["RETRACT"]
SUPPORT_REACHED: re.Pattern[str] = _T["SUPPORT_REACHED"]
CONTINUES: re.Pattern[str] = _T["CONTINUES"]
SIGNOFF: re.Pattern[str] = _T["SIGNOFF"]
SESSION: re.Pattern[str] = _T["SESSION"]
_SESSION_WORD: str = _T["_SESSION_WORD"]
SESSION_TIME: re.Pattern[str] = _T["SESSION_TIME"]
CLINIC_SYMPTOMS: tuple[tuple[str, re.Pattern[str]], ...] = _T["CLINIC_SYMPTOMS"]
GENERIC_EFFECT_Q: re.Pattern[str] = _T["GENERIC_EFFECT_Q"]
DIRECTIVE_VERB: str = _T["DIRECTIVE_VERB"]
BOUNDARY_RULES: tuple[tuple[str, re.Pattern[str]], ...] = _T["BOUNDARY_RULES"]
BOUNDARY_CUE: re.Pattern[str] = _T["BOUNDARY_CUE"]
FICTION: re.Pattern[str] = _T["FICTION"]
FICTION_ASK: re.Pattern[str] = _T["FICTION_ASK"]
FICTION_DEATH: re.Pattern[str] = _T["FICTION_DEATH"]
IN_SCOPE: re.Pattern[str] = _T["IN_SCOPE"]
HARM_NOT_TOPIC: re.Pattern[str] = _T["HARM_NOT_TOPIC"]
OUT_OF_SCOPE_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = _T["OUT_OF_SCOPE_TOPICS"]
SPANISH_WORDS: frozenset[str] = _T["SPANISH_WORDS"]
ENGLISH_WORDS: frozenset[str] = _T["ENGLISH_WORDS"]
if set(_T) - set(globals()):
    raise ValueError(f"tables not bound in bot/safety/rules.py: {sorted(set(_T) - set(globals()))}")
del _T
