"""The safety screen that runs on every user turn before retrieval.

    screen(history, message, *, query_vec=None, settings=None) -> Route

Routes, in order of precedence: crisis > clinic > boundary > support > out_of_scope >
continue. `Route.reason` names what decided: a rule id (``rule:suicide.direct``,
``rule:self_harm.conceal``), a conversation rule (``history:warning.goodbye``) or a model
score (``model:full:crisis:0.87``, ``model:ngram:harm_others:0.91``, ``model:scope:0.93``).
It never holds message text. `Route.kind` says which crisis: "self", "others" (intent to
harm another person: its own fixed text), "danger" (someone else endangers the person) or
"medical". `Route.locale` is "es-US" for a Spanish message, else settings.locale.
`Route.flags`: ``past_history`` (past suicidal history, well now), ``history_crisis``
(crisis because of an earlier turn), ``after_crisis`` / ``after_crisis_misread`` (the turn
after a crisis reply, see below).

Layers, in order
    1. Rules (need no model): bot.safety.normalize rewrites the text (case, accents, leet,
       slang, typos); the regular-expression tables of bot/safety/tables/*.yaml, loaded by
       bot.safety.rules (masks for idioms, negations, research phrasing and past history;
       crisis, clinic, boundary and scope families) and the reviewable rows of
       bot/safety/rules.yaml (both with an example per row that it must catch and one it
       must not) decide what they recognise.
    2. The learned model (bot.safety.model, trained by `python -m evals.train_guard` on
       public labelled data, measured blind by source; see MODEL_CARD.md): a linear
       classifier over the MiniLM vector respond() already computed for retrieval (no
       second forward pass) and hashed character n-grams. With no vector, or a vector from
       another embedder, the n-gram part alone scores (the embedder down). It adds crisis,
       harm-to-others and support decisions and never removes a rule's crisis. A crisis
       comes through one of MODEL_TIERS (a strong score both parts agree on, a score over a
       weak rule cue, a harm score), never where the rules saw a clinic call, a boundary
       request, a general question or a masked idiom (`_model_gates`), nor, with the MiniLM
       vector, where the tuned encoder reads the message as plainly safe (ENCODER_VETO,
       `encoder_vetoes`, VETOED_TIERS: the crisis tiers, never a harm score; stop 44: a trip
       report, a film scene that shook someone who is okay now); each tier's
       threshold is stored with the weights. Behind the strong tier's gate, three tiers learned
       from team-written messages only, and only with the MiniLM vector: the nearest-exemplar
       tier (bot/safety/near.py); the tuned encoder (bot/safety/encoder.py: MiniLM with
       adapters tuned on those messages, a second pass of its own; stop 39), alone on messages
       naming the assistant's topics and elsewhere only where the public model, a rule cue or
       the head's own crisis reading agrees (`encoder_agrees`, stop 40); and, on messages
       naming the assistant's topics, the patient-words head (bot/safety/head.py,
       `head_gate`); on messages naming none, the
       head where the public model or a rule cue agrees, or alone from HEAD_WIDE_ALONE
       (`team_read`, `wide_agrees`). Last, the tuned encoder alone where it is sure
       (ENCODER_SURE, `encoder_sure`; stop 41), past every gate above but `sure_open`: past
       history, masked benign or reported phrasing, a clinic call, an ordinary reason, a warning
       sign said alone, an overdose question, fiction. Then, on a message naming the assistant's
       topics, the tuned encoder and the head agreeing (AGREE_ENCODER, AGREE_HEAD,
       `encoder_head_agree`; stop 42), closed as `encoder_sure` is and on a disclosure, a short
       fear of the treatment and a symptom right after a session; and on a message naming none
       of them, the same two at the same bars where the rules saw a weak cue (the crisis_cue
       gate: a farewell, finality, arrangements, a plan, a means), in either language
       (`encoder_head_cue`, stop 46); and on a clear warning sign said alone (one's things given
       away, letters left for the family), the same two at the same bars (`warning_agree`, stop
       47); last, outside the topics with no cue and past any gate but `sure_open`, the same two at
       the same bars where the public model reads crisis at THREE_PUBLIC too (`three_agree`, stop
       48). A head risk below a crisis but from
       CHECK_IN_MIN flags the turn `check_in` (outside the topics only on an English message the
       tuned encoder reads CHECK_IN_ENCODER in too, stop 45): the reply asks gently and carries
       every line.
    3. The conversation window (earlier Turn objects; only user turns are screened; a turn
       whose own `route` is "crisis", or whose assistant reply was, counts as a crisis turn,
       so a crisis only the model caught is carried in the session's history, not in this
       process):
       - within WINDOW_USER_TURNS user turns after a crisis turn, a question about amounts,
         methods, heights or weapons, or new distress, is crisis;
       - the turn after a crisis reply: a brush-off ("never mind, tell me about side
         effects", "lol jk") stays crisis with flag ``after_crisis`` (respond() shows a short
         text saying why the lines are shown again, prompts/after_crisis.md); so does a plain
         question right after the crisis turn ("what time does the clinic close on the 14th"
         after "I've picked a date"; reason ``history:crisis.ask_first``, stop 41), once: asked
         again, with the crisis turn two turns back, it is answered. A misread ("I didn't mean
         that, I meant my cat"; since stop 43 also an explanation, "Of embarrassment, I mean",
         "he's fine apart from a scraped elbow") is screened as usual and answered, and with no
         rule cue in it the model's read of it is not a new crisis; answered turns carry the flag
         telling respond() to keep the lines visible;
       - a warning sign (rules.yaml table "warning": a goodbye act, giving things away,
         stockpiling medicine, being a burden) followed within the window by a followup row
         (amounts, "what happens if someone takes a lot", heights, weapons, no more future
         care) or a means question is crisis, in English and Spanish; so is a turn whose
         assistant reply checked in (Turn.check_in, passed back by the app), followed the same way;
       - distress followed within DISTRESS_WINDOW turns by a means question is crisis;
       - (stop 52) a crisis turn a later turn explains (a `misread` row: what it meant, or support
         reached and safe now, with no cue of its own) holds no later question but for strong
         means, a followup row or the models' own crisis read; a model's crisis read of an
         arrangement whose ordinary reason the turn before gave checks in instead; past history
         told in an earlier turn and its return told now ("the thoughts are back") is crisis
         (tables/past.yaml PAST_RETURN_LATER).
    4. Education questions that only look like a clinic call or a directive ("How long
       until I feel better after ketamine?", "should I keep taking my antidepressant?") go
       on to retrieval; then clinic, boundary, support from rules.yaml rows, out_of_scope
       (rules, or a small vector classifier fitted on the team's exemplars), then support
       from the model's score for a first-person message naming nothing in scope.

Works with the vector store, any LLM and the embedder down. Analyses of earlier turns are
cached by a hash of their text, never the text. Cost per turn: see `make bench`
(screen_ms) and `python -m evals.calibrate_guard`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.safety import encoder, head, model, near, rules
from bot.safety.normalize import normalize
from bot.types import Route, Turn

log = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"  # bot.retrieval.embed.MiniLMEmbedder.name

ROUTES = ("crisis", "support", "clinic", "boundary", "out_of_scope", "continue")
WINDOW_USER_TURNS = 3  # earlier user turns read for crisis context and warning signs
DISTRESS_WINDOW = 2  # earlier user turns read for distress + means


def is_spanish(text: str, norm: str | None = None) -> bool:
    """A cheap language check: Spanish function words and marks against English ones."""
    norm = normalize(text) if norm is None else norm
    words = re.findall(r"[a-z]+", norm)
    if not words:
        return False
    es = sum(1 for w in words if w in rules.SPANISH_WORDS)
    en = sum(1 for w in words if w in rules.ENGLISH_WORDS)
    if re.search(r"[ñ¿¡áéíóú]", text.lower()):
        es += 2
    return es >= 2 and es > en or (es >= 1 and en == 0 and len(words) <= 3 and es == len(words))


# ---------------------------------------------------------------------------------------
# Rule analysis of one text
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Analysis:
    """What the rule layer found in one text. Holds rule ids and flags, never the text."""

    spanish: bool
    crisis: str | None  # rule id, e.g. "suicide.direct"
    means: bool  # strong means content (heights, weapons, lethal amounts)
    means_any: bool  # any amount, dose, method or means content
    distress: bool
    deflect: bool
    clinic: str | None
    session: bool
    boundary: str | None  # a boundary row of rules.yaml, else a Python boundary family
    in_scope: bool
    oos: str | None
    past_history: bool
    first_person: bool
    benign: bool  # an idiom, negation or research phrasing was recognised and masked
    boundary_cue: (
        bool  # personal ("I", "my") or illicit/jailbreak wording: semantic boundary allowed
    )
    past_event: bool = False  # tells of a past event and nothing says it is happening now
    generic_question: bool = False  # a question with no first person ("is nausea common?")
    disclosed: bool = False  # a PTSD symptom or trauma said in the first person (rules.yaml `disclosure`)

    @property
    def semantic_crisis_allowed(self) -> bool:
        """The semantic layer may add a crisis unless the rules recognised the text as benign
        (an idiom, a negation, past history) or as about something else entirely (the weather,
        cooking) with no sign of distress ("I'm so done with this rain")."""
        if self.past_history or self.benign:
            return False
        # a past event told as past ("I was robbed at gunpoint in 2018") or an off-topic text
        # with no sign of distress
        return self.distress or not (self.past_event or self.oos is not None)


def _mask(norm: str) -> str:
    for _, pattern in rules.MASKS:
        norm = pattern.sub(" _ ", norm)
    return norm


def _benign(norm: str) -> bool:
    return any(
        pattern.search(norm)
        for rule_id, pattern in rules.MASKS
        if not rule_id.startswith("third.research")
    )


def _clauses(norm: str) -> list[str]:
    return [c.strip() for c in rules.CLAUSE_SPLIT.split(norm) if c and c.strip()]


def _past_history(norm: str) -> tuple[str, bool]:
    """Remove clauses that tell of past suicidal/self-harm history when the person is well now:
    a clause with its own past mark, or (stop 43) a clause told in the past tense in a story the
    message says is over (tables/past.yaml PAST_ANCHOR, PAST_WELL_STORY, PAST_VERB, PAST_RECENT).

    Returns the text with those clauses blanked and whether such history was found."""
    if not (rules.PAST_MARK.search(norm) or rules.PAST_ANCHOR.search(norm)) or not rules.PAST_TOPIC.search(norm):
        return norm, False
    clauses = _clauses(norm)
    topic = [bool(rules.PAST_TOPIC.search(c)) for c in clauses]
    # A story told as over: a mark or anchor somewhere, and the writer well now in a clause of its
    # own. Then a clause on the topic told in the past tense, with nothing recent in it, is history
    # although its own clause has no mark ("I put a gun to my head. Didn't pull it. That was 2011.").
    story = any(
        not topic[i] and (rules.PAST_WELL.search(c) or rules.PAST_WELL_STORY.search(c))
        for i, c in enumerate(clauses)
    )
    past_idx = [
        i for i, c in enumerate(clauses)
        if topic[i] and (rules.PAST_MARK.search(c) or (
            story and rules.PAST_VERB.search(c) and not rules.PAST_RECENT.search(c)))
    ]
    if not past_idx:
        return norm, False
    # "It is coming back", "again", "lately" anywhere: the history is not only history.
    rest = " ".join(
        c for i, c in enumerate(clauses) if i not in past_idx and not rules.PAST_WELL.search(c)
    )
    past_text = " ".join(clauses[i] for i in past_idx)
    if rules.PAST_RETURN.search(rest) or rules.PAST_RETURN.search(_strip_past_marks(past_text)):
        return norm, False
    kept = " . ".join(c for i, c in enumerate(clauses) if i not in past_idx)
    return kept, True


def _strip_past_marks(text: str) -> str:
    # "still" inside "I still have flashbacks" in a past clause should not cancel the history;
    # only look for return words that are about the suicidal topic itself.
    return rules.PAST_STILL_SYMPTOMS.sub(" ", text)


def _told_as_past(text: str, start: int, past: re.Pattern[str] = rules.PAST_EVENT) -> bool:
    """True when the sentence around `start` tells a past event ("I passed out once at the
    dentist years ago") and nothing in it says it is happening now. `past`: the past marks
    (rules.PAST_EVENT, or rules.PAST_EVENT_ES for a Spanish row)."""
    left = max(text.rfind(p, 0, start) for p in ".?!;")
    ends = [i for i in (text.find(p, start) for p in ".?!;") if i >= 0]
    sentence = text[left + 1 : min(ends) if ends else len(text)]
    return bool(past.search(sentence)) and not rules.PAST_EVENT_NOW.search(sentence)


_PAST_EVENT_ROWS = ("medical.", "danger.", "es.medical", "es.danger")  # rows an event told as past skips


def _strong_rule(text: str) -> str | None:
    for rule_id, pattern in rules.CRISIS_STRONG:
        for m in pattern.finditer(text):
            # a past medical event or past danger is history, not an emergency; in Spanish too
            # (stop 51): "tuve una sobredosis hace diez años. ahora estoy sobrio"
            if rule_id.startswith(_PAST_EVENT_ROWS) and _told_as_past(
                    text, m.start(), rules.PAST_EVENT_ES if rule_id.startswith("es.") else rules.PAST_EVENT):
                continue
            return rule_id
    return None


def _cues(kept: str, norm: str) -> frozenset[str]:
    """The weak cue families present in a text (see guard_rules.CUES)."""
    found = {
        family
        for family, pattern in rules.CUES
        if pattern.search(norm if family in rules.CUES_ON_RAW else kept)
    }
    if rules.DISTRESS.search(kept):
        found.add("distress")
    return frozenset(found)


def _weak_cue(norm: str, explained: frozenset[str] = frozenset()) -> bool:
    """Whether the rules see a weak cue of crisis (a veiled act, a plan, a farewell, finality,
    means...) outside past history; distress and someone else's death do not count, nor the cues
    in `explained` (a farewell the message gives an ordinary reason for)."""
    kept, _ = _past_history(_mask(norm))
    return bool(_cues(kept, norm) - {"distress", "death_other"} - explained)


def _combo_rule(cues: frozenset[str]) -> str | None:
    for first, second, rule_id in rules.COMBOS:
        if first in cues and second in cues:
            return rule_id
    return None


def _crisis_rules(text: str, spanish: bool) -> str | None:
    rule_id = _strong_rule(text)
    if rule_id:
        return rule_id
    for clause in _clauses(text):
        personal = rules.FP_SUBJECT.search(clause) or (spanish and rules.SPANISH_FP.search(clause))
        # a subjectless fragment ("thinking about suicide", "suicidal again") is about the writer;
        # a question or a sentence about people, studies or labels is not
        if not personal and (
            rules.GENERIC_SUBJECT.search(clause) or rules.QUESTION_START.match(clause)
        ):
            continue
        for rule_id, pattern in rules.CRISIS_FP:
            if pattern.search(clause):
                return rule_id
    return None


def _asks(norm: str) -> bool:
    """The message is put as a question: it starts like one or ends with "?"."""
    return bool(rules.QUESTION_START.match(norm)) or norm.rstrip().endswith("?")


# A question asked inside a message ("84mg made me panicky. should i drop back to 56"): a question
# mark anywhere, or an auxiliary before its subject.
_ASKS_INSIDE = re.compile(
    r"[?¿]|\b(?:should|can|could|do|does|did|is|are|will|would|may|must|shall) (?:i|it|you|we|they|this|that|"
    r"ketamine|spravato|esketamine|someone|people)\b|\b(?:puedo|debo|deberia|es normal|sera)\b")


# a Spanish question put without marks ("que tan alto es el estacionamiento"), and question words
# inside a message without a mark ("so what happens if you dont take your heart meds for a week")
_SPANISH_ASKS = re.compile(r"(?:que|cual|cuales|como|cuanto|cuanta|cuantos|cuantas|donde|cuando|a que hora)\b")
_QUESTION_WORDS = re.compile(r"\b(?:what (?:are|is|was|time|day|happens|if)|how (?:much|many|long|far|high|deep|cold|tall)|"
                             r"(?:is|are) there|where (?:is|are|can|do|does)|which)\b")


def asks(norm: str) -> bool:
    """A normalised message put as a question anywhere in it, in English or Spanish."""
    return bool(_asks(norm) or _ASKS_INSIDE.search(norm) or _SPANISH_ASKS.match(norm)
                or _QUESTION_WORDS.search(norm))


def _wide_question(norm: str) -> bool:
    """A question about water, cold or heights, where means are bought, a medicine skipped, taken
    early or in excess, all care cancelled, or where a person is (MEANS_WIDE): after a crisis turn
    or a rules.yaml warning sign the window reads it as means (stop 37); a statement is not read.
    Not after a sign only the learned tiers read (`_head_sign`): with it, two look-alike
    conversations of patient_words_stop38 went to crisis."""
    return asks(norm) and bool(rules.MEANS_WIDE.search(norm))


def _after_in_scope(users: list[Turn]) -> bool:
    """One of the last two user turns named the assistant's topics (a follow-up belongs to it)."""
    return any(analyse(t.text).in_scope for t in users[-2:])


def _clinic_rules(norm: str, first_person: bool, session_ctx: bool) -> str | None:
    personal = first_person or rules.THIRD_PERSON.search(norm)
    if not personal and _asks(norm):
        return None
    if not session_ctx:
        return None
    for clause in _clauses(norm) or [norm]:
        if rules.GENERIC_EFFECT_Q.match(clause):
            continue
        for rule_id, pattern in rules.CLINIC_SYMPTOMS:
            if pattern.search(clause):
                return rule_id
    return None


def _boundary_rules(norm: str) -> str | None:
    for rule_id, pattern in rules.BOUNDARY_RULES:
        if pattern.search(norm):
            return rule_id
    return None


def _oos_rules(norm: str) -> str | None:
    for rule_id, pattern in rules.OUT_OF_SCOPE_TOPICS:
        if pattern.search(norm):
            return rule_id
    return None


_CACHE: OrderedDict[bytes, Analysis] = OrderedDict()
_CACHE_MAX = 2048
_CACHE_LOCK = threading.Lock()


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def analyse(text: str) -> Analysis:
    """Run the rule layer on one text (cached by a hash of the text, never the text)."""
    key = _key(text)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return hit
    result = _analyse(text)
    with _CACHE_LOCK:
        _CACHE[key] = result
        if len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return result


def _analyse(text: str) -> Analysis:
    norm = normalize(text)
    spanish = is_spanish(text, norm)
    masked = _mask(norm)
    kept, past = _past_history(masked)
    crisis = _crisis_rules(kept, spanish)
    if (
        crisis is None
        and rules.FICTION.search(norm)
        and rules.FICTION_DEATH.search(norm)
        and rules.MEANS_ANY.search(norm)
    ):
        crisis = "suicide.fiction_means"
    if crisis is None and rules.SOFT_PASSIVE.search(kept) and rules.DISTRESS.search(kept):
        crisis = "suicide.passive_distress"
    if crisis is None:
        crisis = _combo_rule(_cues(kept, norm))
    if crisis is None and rules.INTENT_TAIL.search(kept) and rules.FICTION_DEATH.search(kept):
        crisis = "suicide.stated_intent"
    first_person = bool(rules.FP.search(norm) or (spanish and rules.SPANISH_FP.search(norm)))
    session = bool(rules.SESSION.search(norm))
    session_ctx = session and bool(rules.SESSION_TIME.search(norm))
    clinic = _clinic_rules(norm, first_person, session_ctx)
    row = match_rule("boundary", norm)
    boundary = row.id if row is not None else _boundary_rules(norm)
    if boundary is None and rules.FICTION.search(norm) and rules.FICTION_ASK.search(norm):
        boundary = "boundary.fiction_framing"
    in_scope = bool(rules.IN_SCOPE.search(norm))
    return Analysis(
        spanish=spanish,
        crisis=crisis,
        means=bool(rules.MEANS_STRONG.search(kept)),
        means_any=bool(rules.MEANS_ANY.search(kept)),
        distress=bool(rules.DISTRESS.search(kept)),
        deflect=bool(rules.DEFLECT.search(norm)),
        clinic=clinic,
        session=session,
        boundary=boundary,
        in_scope=in_scope,
        oos=None if in_scope else _oos_rules(norm),
        past_history=past and crisis is None,
        first_person=first_person,
        benign=_benign(norm),
        boundary_cue=first_person or bool(rules.BOUNDARY_CUE.search(norm)),
        past_event=bool(rules.PAST_EVENT.search(norm) and not rules.PAST_RETURN.search(norm)),
        generic_question=not first_person and _asks(norm),
        disclosed=match_rule("disclosure", norm) is not None,
    )

# ---------------------------------------------------------------------------------------
# Reviewable rule rows (bot/safety/rules.yaml)
# ---------------------------------------------------------------------------------------
RULES_YAML = Path(__file__).resolve().parent / "rules.yaml"
RULE_TABLES = ("crisis", "warning", "warning_alone", "followup", "misread", "education", "boundary", "support", "topic", "worry", "low_mood", "social",
               "overdose", "intrusive", "disclosure", "ending")


@dataclass(frozen=True)
class RuleRow:
    id: str
    table: str
    pattern: re.Pattern[str]
    catch: tuple[str, ...]  # one message it must match, or several
    miss: tuple[str, ...]  # one close message it must not match, or several
    kind: str | None = None


@lru_cache(maxsize=4)
def rule_rows(path: Path = RULES_YAML) -> tuple[RuleRow, ...]:
    """The rows of rules.yaml, checked: a known table, a compiling pattern, both examples."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out, seen = [], set()
    for row in data.get("rules", []):
        if row["table"] not in RULE_TABLES:
            raise ValueError(f"{path}: rule {row['id']}: unknown table {row['table']!r}")
        if row["id"] in seen or not row.get("catch") or not row.get("miss"):
            raise ValueError(f"{path}: rule {row['id']}: duplicate id or missing catch/miss")
        seen.add(row["id"])
        catch, miss = (tuple(row[k]) if isinstance(row[k], list) else (row[k],) for k in ("catch", "miss"))
        out.append(RuleRow(row["id"], row["table"], re.compile(rules.pattern_text(row["pattern"])), catch, miss,
                           row.get("kind")))
    return tuple(out)


def match_rule(table: str, norm: str) -> RuleRow | None:
    for row in rule_rows():
        if row.table == table and row.pattern.search(norm):
            return row
    return None


# ---------------------------------------------------------------------------------------
# The learned model (bot/safety/model.py; weights from python -m evals.train_guard)
# ---------------------------------------------------------------------------------------
MODEL_CRISIS_MIN = 0.90  # the least score of a gated model crisis when the stored model names none
TIER_OFF = 1.01  # a tier with no stored threshold never fires
WORRY_MAX_WORDS = 20  # the strong model tier stays closed on fear of the treatment up to this length
ENDING_MAX_WORDS = 30  # an ordinary end of care (rules.yaml `ending`) holds back the head up to this length
SCOPE_MIN = 0.80  # out_of_scope from the vector (team exemplars only; see MODEL_CARD.md)
FOLLOW_UP_OOS = 0.92  # the same, right after an in-scope user turn
MODEL_SUPPORT_MIN = 0.50  # support from the model alone (the rows in rules.yaml need no score)
# the head on a message naming none of the assistant's topics adds a crisis only where the public
# model's crisis score (the full model) reaches this (stop 34, evals/experiments/wide_head.md)
HEAD_WIDE_AGREE = 0.45
WIDE_MIN_WORDS = 4  # nor on shorter messages
HEAD_WIDE_ALONE = 0.995  # the head alone, outside the topics, adds a crisis from this risk (stop 35)
CHECK_IN_MIN = 0.50  # the patient-words head's risk at which a reply not routed to crisis checks in
# outside the assistant's topics the head checks in only on an English message the tuned encoder
# reads this risk in too (stop 45, `team_read`; evals/experiments/check_in.md, section 2: chosen so
# that public look-alike posts check in under 3%, counsel_chat 1.25%, emoevent 1.0%)
CHECK_IN_ENCODER = 0.97
# the tuned encoder alone routes to crisis from this risk, past every gate but `sure_open` (stop 41)
ENCODER_SURE = 0.995
# the tuned encoder and the patient-words head together route to crisis when both reach these, on
# a message naming the assistant's topics, past the same gates as ENCODER_SURE (stop 42,
# `encoder_head_agree`), and on one naming none where a weak rule cue opens the crisis_cue gate
# (stop 46, `encoder_head_cue`)
AGREE_ENCODER = 0.97
AGREE_HEAD = 0.80
# outside the topics with no rule cue, the two at those bars route to crisis only where the public
# model's crisis probability reaches this too (stop 48, `three_agree`): alone there they read
# ordinary short public text as risk (evals/experiments/plain_agree.md)
THREE_PUBLIC = 0.90
# the public model's crisis is dropped where the tuned encoder reads the message as plainly safe,
# under this risk (stop 44, `encoder_vetoes`), on the crisis tiers only: a harm score stands (the
# encoder learned little of public threats: with the harm tiers vetoed too, youtube_threat's blind
# recall fell from 60.0% to 50.0% at the same tiers)
ENCODER_VETO = 0.10
VETOED_TIERS = ("crisis_strong", "crisis_cue")


def semantic_model(settings: Settings | None = None) -> model.Stored | None:
    """The stored model (loads once per process, in milliseconds; None when missing).
    Kept under this name for the warm-up calls in the UI and the benchmarks."""
    return model.load()


# The embedder each BOT_EMBEDDER backend builds (bot.retrieval.embed), by its `name`: the
# screen must know which one made a vector before it is built ("hash" is the test fake, whose
# vectors the MiniLM weights must never read).
BACKEND_EMBEDDER = {"onnx": DEFAULT_EMBEDDER, "onnx-int8": DEFAULT_EMBEDDER, "torch": DEFAULT_EMBEDDER,
                    "hash": "hash-fake"}


def _embedder_name(settings: Settings) -> str:
    emb = settings.embedder
    if emb is not None:
        return model.embedder_name(emb)
    return BACKEND_EMBEDDER.get(settings.embedder_backend, settings.embedder_backend)


def model_scores(message: str, query_vec: np.ndarray | None, settings: Settings,
                 stored: model.Stored | None = None) -> model.Scores | None:
    try:
        return model.classify(message, query_vec, _embedder_name(settings), stored)
    except Exception as exc:  # the rule layer must keep working whatever happens here
        log.warning("guard: model unavailable (%s); rules only", type(exc).__name__)
        return None


def _model_gates(a: Analysis, norm: str, history: Sequence[Turn] = ()) -> dict[str, bool]:
    """Where each tier of the model may add a crisis (see `model_crisis`), for `message` after
    the earlier turns `history`.

    No tier fires where the rules recognised the text as benign (an idiom, a negation,
    research or past history), as a general question, a clinic call or a boundary request.
    - "crisis_cue": a self-directed crisis where the rules also saw a weak cue they could
      not decide on (a veiled act, a plan, a farewell, strong means) and the message names
      none of the assistant's own topics (PTSD, treatment, medication, a clinic);
    - "crisis_strong": a self-directed crisis with no rule cue, where the full model and the
      n-grams alone both score it high (Scores.agreed); it may name the assistant's topics
      ("the ketamine did nothing, I want out for good"), but not in a question, nor in fear of the
      treatment said in the first person with no cue (a `worry` row of rules.yaml);
    - "harm_others": intent to harm another person, where the message names none of the
      assistant's topics (`_harm_topic`: words of feelings and violence do not count) and names
      another person ("him", "my boss", "a mi jefe");
    - "harm_unnamed": the harm score on an English message that names no one and none of the
      assistant's topics ("where can I buy a gun today"): the crisis text for oneself. Its own
      tier, with its own threshold, because the harm score is looser there: a retrain's n-gram
      model scored "and now I have a really bad headache that won't go away" 0.54, over the
      harm tier of 0.50 it had then. Closed on a symptom reported right after a turn about a
      session (`_clinic_after_session`: that headache after "I had my infusion this morning"),
      which the screen sends to the treating clinic.
    Without gates the model routes 12% of the dev look-alikes to crisis (short first-person
    sentences about PTSD score high: the length confound of the public data). Each tier's
    threshold is stored with the weights (see MODEL_CARD.md for how it was chosen)."""
    if (not a.semantic_crisis_allowed or a.past_history or a.generic_question
            or a.clinic is not None or a.boundary is not None):
        return dict.fromkeys(TIER_CLASS, False)
    cue = _weak_cue(norm) or a.means
    # a question naming the assistant's topics is a patient's question: the strong tier
    # scored such questions 0.99-1.00 ("is spravato a cure for depression or will i need it
    # forever", "can ketamine help me get off my pain pills? im on opiods for years")
    # nor is fear of the treatment said in the first person with no cue (`_worried`)
    worried = _worried(a, norm)
    named = _names_person(norm)
    # a PTSD symptom or a trauma said in the first person ("I keep thinking about the accident and
    # the people who died") is not a threat, whatever its harm score (rules.yaml `disclosure`)
    harm = not _harm_topic(norm) and _harm_readable(norm, named) and not a.disclosed
    # nor, said short and with no cue, a crisis for the strong tier (stop 27: "i am so tired of
    # feeling scared all the time" scored 1.00 on both parts); it gets the support text
    disclosed_short = a.disclosed and not cue and len(norm.split()) <= WORRY_MAX_WORDS
    return {"crisis_cue": cue and not a.in_scope,
            "crisis_strong": not (a.in_scope and (_asks(norm) or worried)) and not disclosed_short,
            "harm_others": harm and named,
            "harm_unnamed": harm and not named and _clinic_after_session(a, norm, history) is None}


def _worried(a: Analysis, norm: str) -> bool:
    """Fear of the treatment said in the first person, short and with no cue (a `worry` row of
    rules.yaml): "i am scared i will become addicted like my mom" scored 1.00 on both parts of the
    public model, "im worried ill get hooked on it" 0.97 and 0.85 on the tuned encoder and the head
    (short first-person fear sentences; a long post that says "I'm scared" is another matter)."""
    return (len(norm.split()) <= WORRY_MAX_WORDS and not (_weak_cue(norm) or a.means)
            and match_rule("worry", norm) is not None)


def _clinic_after_session(a: Analysis, norm: str, history: Sequence[Turn]) -> str | None:
    """The clinic rule for a symptom said in the first person right after a user turn about a
    session ("I still feel detached and it's been 6 hours" after "had my infusion today"), when
    the message alone is not already a clinic call."""
    if a.clinic is not None or a.session or not a.first_person:
        return None
    if not any(analyse(t.text).session for t in _user_turns(history)[-2:]):
        return None
    for rule_id, pattern in rules.CLINIC_SYMPTOMS:
        if pattern.search(norm) and not rules.GENERIC_EFFECT_Q.match(norm):
            return rule_id
    return None


def _harm_topic(norm: str) -> bool:
    """Whether the message names the assistant's topics, as the harm tiers read it: IN_SCOPE
    without the words of feelings and violence (rules.HARM_NOT_TOPIC). "kill", "die" and "hurt"
    made every threat "in scope", which closed both harm tiers on nearly all of them."""
    return bool(rules.IN_SCOPE.search(rules.HARM_NOT_TOPIC.sub(" ", norm)))


def _names_person(norm: str) -> bool:
    return bool(_OTHER_PERSON.search(norm) or _OTRA_PERSONA.search(norm))


def _harm_readable(norm: str, named: bool) -> bool:
    """Whether the model's harm score may count on this text. The harm data it learned from is
    English: on Spanish it scored "mi mamá murió hace un mes" 0.92 and "voy a alucinar" ("will I
    hallucinate?") 1.00, so a Spanish message needs a harm act, weapon or wish (_DANO_ES) and
    another person named; an English one naming no one still counts (as a crisis for oneself,
    see `model_crisis`), a text with no English word at all does not. Part of the gate, so
    evals/train_guard.py, which picks the tiers' thresholds from the gates, sees what the
    screen does. `named`: whether the text names another person (`_names_person`)."""
    spanish = is_spanish(norm, norm)
    if spanish and not _DANO_ES.search(norm):
        return False
    if not named:
        return not spanish and any(w in rules.ENGLISH_WORDS for w in norm.split())
    return True


# (tier, the class it reads, the crisis kind it gives)
MODEL_TIERS = (("crisis_strong", "crisis", "self"), ("crisis_cue", "crisis", "self"),
               ("harm_others", "harm_others", "others"), ("harm_unnamed", "harm_others", "self"))
TIER_CLASS = {tier: cls for tier, cls, _ in MODEL_TIERS}


def tier_thresholds(th: dict[str, float]) -> dict[str, float]:
    """The score each tier needs, from the stored thresholds ("tier:<name>" keys written by
    evals/train_guard.py); weights without them keep the older fixed floor (and weights from
    before the unnamed harm tier give it the harm tier's threshold, as the screen did then)."""
    harm = th.get("tier:harm_others", max(th["harm_others"], MODEL_CRISIS_MIN))
    return {
        "crisis_cue": th.get("tier:crisis_cue", max(th["crisis"], MODEL_CRISIS_MIN)),
        "crisis_strong": th.get("tier:crisis_strong", TIER_OFF),
        "harm_others": harm,
        "harm_unnamed": th.get("tier:harm_unnamed", harm),
    }


# Another person named as a target ("him", "my boss", "people"; "a mi jefe", "matarlo").
_OTHER_PERSON = re.compile(r"\b" + rules.PERSON + r"\b")
_OTRA_PERSONA = re.compile(
    r"\b(?:mi|mis|su|sus|tu|tus|ese|esa|esos|esas|el|la|los|las|un|una|a) (?:\w+ )?(?:vecin\w*|espos\w*|pareja|"
    r"novi\w*|ex|jefe|jefa|companer\w*|herman\w*|padre|madre|papa|mama|padrastro|madrastra|hij\w*|familia|"
    r"maestr\w*|profe\w*|gente|tipo|tipa|hombre|mujer|nino\w*|bebe|primo|prima|amig\w*|suegr\w*)\b|"
    r"\b(?:alguien|todos|todas|ellos|ellas)\b|"
    r"\b(?:matar|golpear|lastimar|apunalar|acuchillar|disparar|balacear|pegar|ahorcar|quemar|violar)(?:lo|la|los|las|le|les)\b"
)


# A harm act, weapon or wish in Spanish. The harm data the model learned from is English; on
# Spanish it scored "mi mamá murió hace un mes" 0.92 and "mi hijo está enfermo y tengo miedo" 1.00
# for harm to others, so on Spanish its harm tier needs one of these words too.
_DANO_ES = re.compile(
    r"\b(?:matar\w*|mato|mate|golpe\w*|pegar\w*|pegarle\w*|lastim\w*|apunal\w*|acuchill\w*|dispar\w*|balace\w*|"
    r"ahorc\w*|quemar\w*|violar\w*|dano|danar\w*|hacerle dano|vengar\w*|venganza|destru\w*|arma|armas|pistola|"
    r"cuchillo|navaja|machete|bala|balas|desaparecer(?:lo|la|los)|ver(?:lo|la|los|las)? muert[oa]s?|"
    r"(?:lo|la|los|las) quiero muert[oa]s?|me las va a pagar|se va a arrepentir)\b")


def model_crisis(a: Analysis, norm: str, scores: model.Scores, history: Sequence[Turn] = (),
                 gates: dict[str, bool] | None = None, skip: tuple[str, ...] = ()) -> tuple[str, str, float] | None:
    """(tier, crisis kind, score) of the first model tier whose gate is open (after the earlier
    turns `history`) and whose score clears its threshold, or None. A harm score on an English
    message that names no one else ("where can I buy a gun today", after "I'm worthless"; tier
    harm_unnamed) gives the crisis text for oneself: it asks for help for the person who wrote, and says to call for anyone in danger. On a
    Spanish message naming no one it adds nothing (the harm data is English; "voy a alucinar",
    "will I hallucinate?", scored 1.00). `gates`: _model_gates' answer when the caller has it;
    `skip`: tiers not to read (the ones the tuned encoder vetoed)."""
    gates = gates if gates is not None else _model_gates(a, norm, history)
    needed = tier_thresholds(scores.thresholds)
    for tier, cls, kind in MODEL_TIERS:
        # the strong tier needs both parts to agree (the full model alone is over-confident on
        # short first-person sentences about PTSD; the n-grams alone on slang and hyperbole)
        p = scores.agreed(cls) if tier == "crisis_strong" else scores.probs[cls]
        if gates[tier] and p >= needed[tier] and tier not in skip:
            return tier, kind, p
    return None


def _team_gate(norm: str, gates: dict[str, bool]) -> bool:
    """Where the team-written tiers may add a crisis: where the strong tier may, and not on a
    warning sign said alone ("I gave away all my stuff this week"), which has its own reply: a
    direct question about suicide with every line (rules.yaml `warning_alone`)."""
    return gates["crisis_strong"] and match_rule("warning_alone", norm) is None


def head_gate(norm: str, gates: dict[str, bool]) -> bool:
    """Where the patient-words head may add a crisis: where the nearest-exemplar tier may, and
    only on a message that names the assistant's topics (rules.IN_SCOPE: the treatment, a session,
    medication, PTSD, a clinic). It learned from messages about the treatment; on public posts
    and tweets about anything else it fired on 8-11% of ordinary ones (stop 33,
    evals/experiments/patient_head.md)."""
    return _team_gate(norm, gates) and bool(rules.IN_SCOPE.search(norm))


@dataclass(frozen=True)
class TeamRead:
    """What the tiers learned from team-written messages read in one message (`team_read`)."""

    hit: tuple[str, float, str] | None = None  # (tier "near", "encoder" or "head", score, crisis kind): a crisis
    wide: float = 0.0  # the head's crisis risk outside the topics; a crisis only if `wide_agrees`
    # the head's risk from CHECK_IN_MIN but no crisis: in scope alone, outside the topics on an
    # English message with the tuned encoder's from CHECK_IN_ENCODER (stop 45)
    check_in: bool = False
    # the tuned encoder's risk outside the topics, at or over its threshold; a crisis only where
    # the public model, a rule cue or the head (`wide`) agrees (`encoder_agrees`), never alone
    encoder_wide: float = 0.0


_ENC_CACHE: OrderedDict[tuple[bytes, Path], float | None] = OrderedDict()
_ENC_CACHE_MAX = 64


def _encoder_p(text: str, path: Path = encoder.ENCODER_PATH) -> float | None:
    """The tuned encoder's risk for `text` (0..1), or None when the tier is off (no weights, or
    they cannot be served here). Cached by a hash of the text, never the text: `team_read` and
    `encoder_sure` read the same message."""
    key = (_key(text), path)
    with _CACHE_LOCK:
        if key in _ENC_CACHE:
            _ENC_CACHE.move_to_end(key)
            return _ENC_CACHE[key]
    tuned = encoder.load(path)
    if tuned is None:
        return None
    try:
        p: float | None = tuned.risk(text)
    except Exception as exc:  # the rest of the screen keeps working whatever happens here
        log.warning("guard: tuned encoder failed (%s)", type(exc).__name__)
        p = None
    with _CACHE_LOCK:
        _ENC_CACHE[key] = p
        if len(_ENC_CACHE) > _ENC_CACHE_MAX:
            _ENC_CACHE.popitem(last=False)
    return p


def _encoder_risk(text: str, path: Path = encoder.ENCODER_PATH) -> float | None:
    """The tuned encoder's risk when it is at or over its threshold, 0.0 under it, None when the
    tier is off (no weights, or they cannot be served here)."""
    p = _encoder_p(text, path)
    if p is None:
        return None
    tuned = encoder.load(path)
    return p if tuned is not None and p >= tuned.threshold else 0.0


# research phrasing: the MASKS rows `Analysis.benign` leaves out (it counts every other row)
_RESEARCH_MASKS = tuple(pattern for rule_id, pattern in rules.MASKS if rule_id.startswith("third.research"))


def sure_open(a: Analysis, norm: str, sign_alone: bool = False) -> bool:
    """Where the tuned encoder alone, when sure (ENCODER_SURE), adds a crisis: any message but one
    the rules recognised as past history, as benign or reported phrasing (an idiom, a negation,
    research: every MASKS row), as a call for the treating clinic, or as an arrangement or an
    ending with an ordinary reason and no weak cue (`team_open`'s second clause), or a warning sign
    said alone, which has its own reply (rules.yaml `warning_alone`: a direct question about
    suicide with every line), a question about too much of a medicine (rules.yaml `overdose`, kind
    question: answered, opening with what to do if someone has taken too much), or a story, a film
    or a song retold (tables/signals.yaml RETOLD: "the movie villain says i know where she lives, i will make her
    pay" read 0.998). With `sign_alone` a warning sign said alone does not close it
    (`warning_agree`)."""
    if a.past_history or a.benign or a.clinic is not None or rules.RETOLD.search(norm):
        return False
    if not sign_alone and match_rule("warning_alone", norm) is not None:
        return False
    overdose = match_rule("overdose", norm)
    if overdose is not None and overdose.kind == "question":
        return False
    if any(pattern.search(norm) for pattern in _RESEARCH_MASKS):
        return False
    return not _ordinary_reason(norm)


def encoder_vetoes(text: str, path: Path = encoder.ENCODER_PATH) -> bool:
    """The tuned encoder reads `text` as plainly safe (under ENCODER_VETO): a crisis of the public
    model's VETOED_TIERS on it is dropped. That model learned from public posts and over-reads
    trip reports and stories told as over ("felt my body disappear and i was just a point of
    light", "the movie had a suicide scene ... I'm okay now") at full confidence; the encoder
    learned the team's look-alikes of those. False when the encoder is off: the public model's
    read stands."""
    p = _encoder_p(text, path)
    return p is not None and p < ENCODER_VETO


def encoder_sure(a: Analysis, norm: str, text: str) -> float:
    """The tuned encoder's risk where `sure_open` and it is at ENCODER_SURE or over, else 0.0."""
    if not text.strip() or not sure_open(a, norm):
        return 0.0
    p = _encoder_p(text)
    return p if p is not None and p >= ENCODER_SURE else 0.0


def encoder_head_agree(a: Analysis, norm: str, text: str, vec: np.ndarray, embedder: str,
                       history: Sequence[Turn] = ()) -> tuple[float, str] | None:
    """(the lower of the two risks, crisis kind) where the tuned encoder (AGREE_ENCODER) and the
    patient-words head (AGREE_HEAD) both read risk in a message that names the assistant's topics
    (rules.IN_SCOPE: the treatment, a session, medication, PTSD, a clinic), that `sure_open` leaves
    open, that is not a PTSD symptom or a trauma said in the first person (rules.yaml `disclosure`:
    "I keep thinking about the accident and the people who died" read 0.99 and 0.94), nor fear of
    the treatment said short (`_worried`), nor a symptom right after a turn about a session
    (`_clinic_after_session`: the treating clinic's call), else None.
    Both learned from messages about the treatment, by different means (the encoder tuned end to
    end on the text, the head a logistic regression on the frozen MiniLM vector and character
    n-grams). Their agreement is what the gates written for one model alone held back, mostly "a
    question naming the treatment": "Who do I notify that my body is being donated to the medical
    school? I'd like it in the file before this weekend. It'll be needed sooner than the paperwork
    assumes." (encoder 0.98, head 0.92; no rule row reads it).
    Outside the topics it stays closed: there the two read public tweets and posts as risk too
    (stop 42, evals/experiments/team_encoder.md section 9); only with a rule cue do they route
    there (`encoder_head_cue`). The kind is the head's: intent to harm another person when it
    reads harm likelier."""
    if (not text.strip() or a.disclosed or not rules.IN_SCOPE.search(norm) or not sure_open(a, norm)
            or _worried(a, norm) or _clinic_after_session(a, norm, history) is not None):
        return None
    return _both_agree(norm, text, vec, embedder, in_scope=True)


def _both_agree(norm: str, text: str, vec: np.ndarray, embedder: str,
                in_scope: bool | None) -> tuple[float, str] | None:
    """(the lower of the two risks, crisis kind) where the tuned encoder reads `text` at
    AGREE_ENCODER or more and the patient-words head reads `vec` at AGREE_HEAD or more (on a
    message naming the assistant's topics, with in_scope=False one naming none, with None
    either), else None.
    The kind is the head's: intent to harm another person when it reads harm likelier."""
    p = _encoder_p(text)
    if p is None or p < AGREE_ENCODER:
        return None
    risk = head_risk(norm, vec, embedder, in_scope=in_scope)
    if risk is None or risk[0] < AGREE_HEAD:
        return None
    return min(p, risk[0]), "others" if risk[1] == head.HARM else "self"


def encoder_head_cue(a: Analysis, norm: str, text: str, vec: np.ndarray, embedder: str,
                     gates: dict[str, bool]) -> tuple[float, str] | None:
    """(the lower of the two risks, crisis kind) where a message naming none of the assistant's
    topics carries a weak rule cue (the crisis_cue tier's gate: a veiled act, a plan, a farewell,
    finality, means) and the tuned encoder (AGREE_ENCODER) and the patient-words head
    (AGREE_HEAD) both read risk, in English or Spanish; closed as `encoder_sure` is (`sure_open`:
    past history, benign or reported phrasing, an ordinary reason, a warning sign said alone...),
    else None (stop 46, evals/experiments/cue_agree.md).
    With a cue, each team model alone already routes outside the topics from its own high bar
    (`wide_agrees`, `encoder_agrees`: the head from its threshold, the encoder from its own); this
    is the two agreeing below those bars. It reaches what the public model cannot: on Spanish
    patients' messages its crisis score is near 0 ("cancelen mis próximas citas por favor, ya no
    las voy a necesitar": head 0.92, encoder 0.99, the public model's crisis score 0.00; no tier
    fired)."""
    return _agree_outside(a, norm, text, vec, embedder) if gates.get("crisis_cue") else None


def warning_agree(a: Analysis, norm: str, text: str, vec: np.ndarray, embedder: str,
                  gates: dict[str, bool]) -> tuple[float, str] | None:
    """(the lower of the two risks, crisis kind) where a clear warning sign is said alone (rules.yaml
    `warning_alone`: one's things given away, letters left for the family, with no everyday reason
    given) and the tuned encoder (AGREE_ENCODER) and the patient-words head (AGREE_HEAD) both read
    risk, on a message naming the assistant's topics or not; closed where the model's gates are
    (the strong tier's) and as `encoder_sure` is but for the sign itself, else None (stop 47,
    evals/experiments/warning_agree.md).
    Said alone, such a sign gets the support route with one direct question about suicide and every
    line, and the team tiers do not read it (`_team_gate`). That reply suits "writing letters to my
    kids to open at 18, a therapist suggested it" (both models under 0.01), not "ya regalé mis cosas
    y les escribí cartas a mis hijos, solo quería despedirme" (both 1.00): a goodbye, crisis."""
    if not text.strip() or not gates.get("crisis_strong") or match_rule("warning_alone", norm) is None:
        return None
    if not sure_open(a, norm, sign_alone=True):
        return None
    return _both_agree(norm, text, vec, embedder, in_scope=None)


def team_agree(a: Analysis, norm: str, text: str, vec: np.ndarray, embedder: str, history: Sequence[Turn],
               gates: dict[str, bool], use_head: bool = True) -> tuple[str, float, str] | None:
    """(tier, the lower of the two risks, crisis kind) of the first tier where the tuned encoder and
    the patient-words head agree at AGREE_ENCODER and AGREE_HEAD: on a message naming the
    assistant's topics (`encoder_head_agree`, reason "encoder_head"), outside them with a weak
    rule cue (`encoder_head_cue`) and on a warning sign said alone (`warning_agree`); the last two
    not with use_head=False. `decide` routes to crisis from it, evals/train_guard.py replays it."""
    agreed = encoder_head_agree(a, norm, text, vec, embedder, history)
    if agreed:
        return "encoder_head", *agreed
    if not use_head:
        return None
    for tier in (encoder_head_cue, warning_agree):
        agreed = tier(a, norm, text, vec, embedder, gates)
        if agreed:
            return tier.__name__, *agreed
    return None


def three_agree(a: Analysis, norm: str, text: str, vec: np.ndarray, embedder: str) -> tuple[float, str] | None:
    """(the lower of the two team risks, crisis kind) where a message naming none of the assistant's
    topics, that `sure_open` leaves open, is read at AGREE_ENCODER and AGREE_HEAD by the tuned encoder
    and the patient-words head, else None. The caller routes to crisis only where the public model's
    crisis probability reaches THREE_PUBLIC as well (`decide`; evals/train_guard.py with each fold's
    model): three readers that learned from different data agree, with no rule cue, and whatever
    gate closed each model alone (an out-of-scope row among them: "When I'm on the highway I think
    it'd be a relief if a semi just flattened me" matched a household row, the public model read it
    1.00, the two team models 0.99 and 0.97). The two team models alone read ordinary short public
    replies and slogans as risk outside the topics; the public model does not (stop 48,
    evals/experiments/plain_agree.md)."""
    return _agree_outside(a, norm, text, vec, embedder)


def _agree_outside(a: Analysis, norm: str, text: str, vec: np.ndarray, embedder: str) -> tuple[float, str] | None:
    """`_both_agree` on a message naming none of the assistant's topics that `sure_open` leaves
    open, else None: what `encoder_head_cue` (with a rule cue) and `three_agree` (without) share."""
    if not text.strip() or not sure_open(a, norm):
        return None
    return _both_agree(norm, text, vec, embedder, in_scope=False)


def _head_harm_es(norm: str, text: str) -> bool:
    """A Spanish message naming another person and none of the assistant's topics, with no
    disclosure of a symptom (rules.yaml `disclosure`): where the head's harm reading counts outside
    the topics though the harm gate is closed (`team_read`; stop 47). That gate is the public
    model's (`_harm_readable`): on Spanish it also needs a word of harm, because that model learned
    harm from English only. The head learned from Spanish patients' messages too ("mi jefe me
    humilló otra vez... ya sé a qué hora sale del estacionamiento y voy a esperarlo": head 0.98)."""
    return (is_spanish(text, norm) and _names_person(norm) and not _harm_topic(norm)
            and match_rule("disclosure", norm) is None)


def team_open(norm: str, gates: dict[str, bool]) -> bool:
    """Whether the team-written tiers may read the message at all: the team gate, and not an
    arrangement or an ending with an ordinary reason and no weak cue but the farewell it explains
    ("rehoming my cat because my new apartment doesn't allow pets": the nearest team-written
    crisis is close in wording, not in meaning; tables/signals.yaml ORDINARY_REASON, stop 38)."""
    if not _team_gate(norm, gates):
        return False
    return not _ordinary_reason(norm)


def _ordinary_reason(norm: str) -> bool:
    """An arrangement or an ending said with an ordinary reason (tables/signals.yaml
    ORDINARY_REASON: a landlord, a lawyer, an illness) and no weak cue but the farewell it explains."""
    return bool(rules.ORDINARY_REASON.search(norm)) and not _weak_cue(norm, explained=frozenset({"farewell"}))


def team_read(norm: str, vec: np.ndarray, gates: dict[str, bool], embedder: str,
              use_head: bool = True, text: str | None = None) -> TeamRead:
    """The tiers learned from team-written messages, behind the team gate, each reading only a
    vector from the embedder it was built with (`embedder`); `gates`: _model_gates' answer for
    the message. In order: the nearest-exemplar tier ("near", bot/safety/near.py: the margin of
    the nearest team-written crisis message); the tuned encoder ("encoder", bot/safety/encoder.py,
    reading `text`, the message as written) over its threshold, a crisis on a message naming the
    assistant's topics and elsewhere `encoder_wide`, which `decide` turns into a crisis only where
    the public model, a rule cue or the head's own reading agrees (`encoder_agrees`); then the
    patient-words head (bot/safety/head.py), read once: on a message naming the assistant's
    topics a crisis ("head") over its threshold, else a check-in from CHECK_IN_MIN; on one naming
    none, a harm reading over its threshold where the harm gate is open (another person named),
    or in Spanish where `_head_harm_es` holds, is a crisis for that person, and its crisis risk is
    `wide`, which `decide` turns into a crisis only where the public model or a rule cue agrees, or
    the head is sure (HEAD_WIDE_ALONE; on public tweets about anything else the head reads risk in
    one of six, stop 33). Veiled goodbyes often name no topic ("my sister is taking the dog, it's
    for the best, I've said what I needed to say"). evals/train_guard.py scores the blind sources
    with it."""
    if not team_open(norm, gates):
        return TeamRead()
    memory = near.load()
    if memory is not None and memory.embedder == embedder:
        m, label = memory.margin(vec)
        if m >= near.NEAR_MIN:
            return TeamRead(hit=("near", m, "others" if label == near.HARM else "self"))
    in_scope = bool(rules.IN_SCOPE.search(norm))
    # the tuned encoder (bot/safety/encoder.py): MiniLM tuned on the team's messages, reading the
    # message as written (`text`); in scope a crisis alone, outside only with agreement
    # (not read where its reading would be dropped: a short message or a thank-you outside them)
    wide_readable = len(norm.split()) >= WIDE_MIN_WORDS and not _THANKS.search(norm)
    written = text if text is not None else norm
    tuned = _encoder_risk(written) if in_scope or wide_readable else None
    if tuned and in_scope:
        return TeamRead(hit=("encoder", tuned, "self"))
    tuned_wide = (tuned or 0.0) if wide_readable else 0.0
    risk = head_risk(norm, vec, embedder, in_scope=None) if use_head else None
    if risk is None:
        return TeamRead(encoder_wide=tuned_wide)
    p, label, threshold = risk
    if in_scope:
        # an ending of care with an ordinary reason ("I feel good and my doctor agrees", "handing
        # me off to my pcp for maintenance"), short, with no weak cue: the head read such thanks
        # 0.98-0.99, so it checks in rather than sending the emergency screen (rules.yaml
        # `ending` rows); a long post that says "I feel better" is another matter
        if p >= threshold and not _ordinary_ending(norm):
            return TeamRead(hit=("head", p, "others" if label == head.HARM else "self"))
        return TeamRead(check_in=p >= CHECK_IN_MIN)
    if not wide_readable:
        # a short message or a thank-you: the head, taught veiled thanks for the last time, read
        # "thanks that helped" 0.96 and "thanks for everything, you really helped me today" 0.98,
        # and the public model agreed on the second. Thanks said about the treatment (the care
        # team, a session) name its topics and stay with the head's own tier.
        return TeamRead()
    if label == head.HARM and p >= threshold and (gates["harm_others"] or _head_harm_es(norm, written)):
        # intent to harm a person the message names, outside the topics ("my neighbour
        # threatened my kids, tonight i burn his house down"): the public harm model learned
        # from English tweets and comments and reads patients' threats, and Spanish, poorly; in
        # Spanish the head reads it with no word of harm too (`_head_harm_es`)
        return TeamRead(hit=("head", p, "others"))
    if label == head.CRISIS and p >= threshold and _ordinary_ending(norm):
        # a chat signed off as people do ("thats everything, have a good night", "bye for now"),
        # short and with no weak cue: the head read such sign-offs 0.98-1.00 outside the topics
        # (stop 43, dev probe sets); it checks in instead
        return TeamRead(check_in=True, encoder_wide=tuned_wide)
    # no crisis tier outside the topics, but both team models read risk in an English message (the
    # head from CHECK_IN_MIN, the tuned encoder from CHECK_IN_ENCODER): the reply checks in and
    # carries every line, where it was the plain decline ("best friend posted a goodbye on her
    # story and now her location is off"; stop 45). Not in Spanish: there the two read ordinary
    # public tweets as risk (mexa3t_es 3% of them even from 0.98)
    enc = _encoder_p(written) if p >= CHECK_IN_MIN and not is_spanish(written, norm) else None
    both = enc is not None and enc >= CHECK_IN_ENCODER
    return TeamRead(wide=p if label == head.CRISIS and p >= threshold else 0.0, encoder_wide=tuned_wide,
                    check_in=both)


def _ordinary_ending(norm: str) -> bool:
    """Care ending for an ordinary reason (rules.yaml `ending`), in ENDING_MAX_WORDS words or
    fewer, with no weak cue of crisis."""
    return (len(norm.split()) <= ENDING_MAX_WORDS and match_rule("ending", norm) is not None
            and not _weak_cue(norm))


def head_risk(norm: str, vec: np.ndarray, embedder: str,
              in_scope: bool | None = True) -> tuple[float, int, float] | None:
    """(risk, head.CRISIS or head.HARM, the head's crisis threshold) of the patient-words head for a
    message that names the assistant's topics (the topic half of `head_gate`; the caller holds
    the gates), or with in_scope=False for one that names none, or None for either; else None
    (no head, another embedder)."""
    h = head.load()
    if h is None or h.embedder != embedder or (
            in_scope is not None and bool(rules.IN_SCOPE.search(norm)) != in_scope):
        return None
    p, label = h.risk(vec, norm)
    return p, label, h.threshold


_THANKS = re.compile(r"\b(?:thank|thanks|thx|ty|gracias|agradec\w*|appreciate\w*|grateful)\b")


def wide_agrees(public_crisis: float | np.ndarray, gates: dict[str, bool] | dict[str, np.ndarray],
                wide: float | np.ndarray = 0.0):
    """Whether something besides the head reads risk in a message naming none of the assistant's
    topics: the public model's crisis score reaches HEAD_WIDE_AGREE, or the rules saw a weak cue
    (a farewell, finality, a plan, a means: the crisis_cue tier's gate); or the head alone is
    sure (`wide` at HEAD_WIDE_ALONE). Works on one message or, with arrays, on many
    (evals/train_guard.py)."""
    return (public_crisis >= HEAD_WIDE_AGREE) | gates["crisis_cue"] | (wide >= HEAD_WIDE_ALONE)


def encoder_agrees(public_crisis: float | np.ndarray, gates: dict[str, bool] | dict[str, np.ndarray],
                   head_wide: float | np.ndarray = 0.0):
    """Whether something besides the tuned encoder reads risk in a message naming none of the
    assistant's topics: what `wide_agrees` counts (the public model, a rule cue), or the
    patient-words head's own crisis reading over its threshold (`TeamRead.wide`; stop 40). The two
    team tiers learned from the same messages by different means: a logistic regression on the
    frozen vector, and the tuned encoder. Both read "my husband is on the roof saying hes going to
    jump" as a crisis where the public model did not."""
    return wide_agrees(public_crisis, gates) | (head_wide > 0)


def crisis_kind(reason: str) -> str:
    """"self", "others" (intent to harm another person), "danger" (the person is in danger
    from someone else) or "medical" (a medical emergency), from Route.reason."""
    rule_id = reason.split(":", 1)[-1]
    if "harm_others" in rule_id:
        return "others"
    if rule_id.startswith(("danger.", "es.danger")):
        return "danger"
    if rule_id.startswith(("medical.", "es.medical")):
        return "medical"
    return "self"


# ---------------------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------------------
def _is_deflection(text: str) -> bool:
    """A brush-off after a crisis statement: "never mind", "lol jk", "ok", "whatever",
    "anyway, tell me about side effects"."""
    norm = normalize(text)
    return bool(rules.DEFLECT.search(norm)) or len(norm.split()) <= 2


def _user_turns(history: Sequence[Turn]) -> list[Turn]:
    return [t for t in history if getattr(t, "role", "user") == "user"]


def _turn_is_crisis(turn: Turn) -> bool:
    """A crisis turn: its own route says so (set by the caller from the screen's decision,
    so a crisis the model caught is carried in the session's history, not in this process),
    or the rule layer finds one in its text."""
    if getattr(turn, "route", None) == "crisis":
        return True
    return analyse(turn.text).crisis is not None or match_rule("crisis", normalize(turn.text)) is not None


def _reply_after(history: Sequence[Turn], turn: Turn) -> Turn | None:
    """The assistant's reply right after `turn`, if the history holds it."""
    seen = False
    for t in history:
        if t is turn:
            seen = True
            continue
        if seen:
            return t if getattr(t, "role", "") == "assistant" else None
    return None


def _assistant_crisis_after(history: Sequence[Turn], turn: Turn) -> bool:
    """True if the assistant's reply right after `turn` was a crisis reply."""
    reply = _reply_after(history, turn)
    return reply is not None and getattr(reply, "route", None) == "crisis"


def _explains(text: str) -> bool:
    """A message that says what an alarming turn before it meant (rules.yaml `misread`), with no
    weak cue, distress, strong means or crisis of its own."""
    norm = normalize(text)
    if match_rule("misread", norm) is None:
        return False
    a = analyse(text)
    return not (a.means or a.distress or a.crisis or _weak_cue(norm))


SIGNOFF_MAX_WORDS = 15  # a sign-off longer than this is read as a message of its own


def _signs_in(turn: Turn, history: Sequence[Turn]) -> bool:
    """An earlier user turn with a sign the screen reads: distress, a weak cue, strong means, a warning
    sign (rules.yaml `warning`, `warning_alone`) or a check-in after it."""
    norm = normalize(turn.text)
    a = analyse(turn.text)
    return bool(a.distress or a.means or _weak_cue(norm) or match_rule("warning", norm)
                or match_rule("warning_alone", norm) or _checked_in_after(history, turn))


def _crisis_row(a: Analysis, norm: str) -> RuleRow | None:
    """The crisis row of rules.yaml a text matches, read as the tables read it: past history told as
    over is not read."""
    return match_rule("crisis", _past_history(_mask(norm))[0] if a.past_history else norm)


def _rule_crisis(text: str) -> bool:
    """The rules alone read this text as a crisis (a crisis of `analyse` or a crisis row of rules.yaml)."""
    a = analyse(text)
    return bool(a.crisis or _crisis_row(a, normalize(text)))


GOES_ON_MAX_WORDS = 9  # a statement right after a crisis turn, read as going on about it up to this length


def _goes_on(text: str, norm: str) -> bool:
    """A short statement right after a crisis turn that asks nothing, explains nothing and tells of no
    help reached ("it'll hold", "mañana temprano entonces", "looked at the beam in the barn today"): the
    person is going on about it (stop 53). Longer statements, and ones that say what the turn before
    meant, laugh it off, finish its sentence, tell of help reached or of the past ("To my team at work!
    I'm retiring after 31 years"; "im writing a paper for my pharmacology class on therapeutic index";
    "es broma, pero son muchas hojas"), tell of help arranged ("I'm seeing my psychiatrist tomorrow") or
    give an ordinary reason (tables/signals.yaml ORDINARY_REASON, and `_EVERYDAY`: "decluttering, feels
    amazing", "lawyer said its smart with two kids") keep the ask-first reply, which the old sets'
    look-alikes need."""
    return (len(norm.split()) <= GOES_ON_MAX_WORDS and not asks(norm)
            and not (rules.SUPPORT_REACHED.search(norm) or rules.DEFLECT.search(norm) or rules.CONTINUES.search(norm)
                     or rules.PAST_MARK.search(norm) or match_rule("misread", norm) or _JOKE.search(norm)
                     or _ordinary_reason(norm) or _EVERYDAY.search(norm)))


_EVERYDAY = re.compile(r"\b(?:declutter\w*|minimalis\w*|spring cleaning|(?:lawyer|attorney|solicitor) "
                       r"(?:said|says|told|advised|recommended)|(?:seeing|meeting|calling|call|see|ver a|veo a|"
                       r"llamo a|llamare a) (?:my|the|mi|la|el|al) (?:psychiatrist|therapist|counsell?or|doctor|gp|"
                       r"nurse|psiquiatra|terapeuta|psicolog[oa]|medic[oa]))\b")
_JOKE = re.compile(r"\b(?:es|era|fue|it is|it was|just|only) (?:una? )?(?:broma|chiste|joke|joking)\b|\bi mean\b")


def _continues_benign(before: str, text: str) -> bool:
    """A message that finishes the sentence of the turn before it (tables/signals.yaml CONTINUES: "in
    the foot probably, I've got a job interview" after "I'm going to shoot myself"; "in work emails"
    after "I'm drowning"), with no weak cue, distress, strong means or crisis of its own, where the
    rules, masks included, read the two turns joined as no crisis, cue, means or distress: the
    alarming turn is explained, as by a rules.yaml `misread` row (stop 53). Only where the rules read the
    turn before as a crisis on its own. "I'm going to end it" then
    "tonight with the pills I saved" stays a crisis: the joined text is one."""
    norm = normalize(text)
    if not rules.CONTINUES.search(norm):
        return False
    a = analyse(text)
    if a.means or a.distress or a.crisis or _weak_cue(norm):
        return False
    # only an alarm the rules read in the turn before: a model's reading of it ("dont think im meant
    # to be here honestly", then "like here on earth i mean") is not undone by rules that never saw it
    if not _rule_crisis(before):
        return False
    joined = f"{before.rstrip()} {text.lstrip()}"
    aj = analyse(joined)
    return not (_rule_crisis(joined) or aj.means or aj.distress or _weak_cue(normalize(joined)))


_CONTINUED = RuleRow("misread.continued", "misread", re.compile(r"(?!)"), (), ())  # `_continues_benign`, as a row


def _asks_after_sign(a: Analysis, norm: str, followup: RuleRow | None, vec: np.ndarray,
                     settings: Settings) -> bool:
    """A message that would be a crisis after a warning sign: a follow-up row (amounts, heights,
    weapons, no future care), any talk of amounts or means, a question about too much of a
    medicine (rules.yaml `overdose`), or a message the patient-words head reads some risk in
    (CHECK_IN_MIN; "how long does it take for someone who lives alone to be found")."""
    if followup or a.means_any or match_rule("overdose", norm):
        return True
    risk = head_risk(norm, vec, _embedder_name(settings), in_scope=None)
    return risk is not None and risk[0] >= CHECK_IN_MIN


def _head_sign(turn: Turn, settings: Settings) -> bool:
    """An earlier user turn the tiers learned from the team's messages read as a crisis for the
    writer (`team_read`: a hit, or the head's or the tuned encoder's risk outside the topics, before
    any agreement; the encoder's since stop 40): a
    warning sign for the window, as a rules.yaml `warning` row is (a goodbye, being a burden, pills
    saved up, in wordings no row has). One more forward pass per earlier turn, only when the
    message is one `_asks_after_sign` names; nothing with the embedder down."""
    norm = normalize(turn.text)
    if not norm.strip():
        return False
    if match_rule("warning_alone", norm):  # said alone it gets its own reply; here it is a sign
        return True
    try:
        vec = np.asarray(settings.get_embedder().encode([turn.text]))[0]
    except Exception as exc:  # the window keeps its rows without the embedder
        log.warning("guard: embedder unavailable for the window (%s)", type(exc).__name__)
        return False
    read = team_read(norm, vec, _model_gates(analyse(turn.text), norm), _embedder_name(settings), text=turn.text)
    return (read.hit is not None and read.hit[2] == "self") or read.wide > 0 or read.encoder_wide > 0


NOW_MIN_WORDS = 3  # the rest of a message with past history is read alone from this length


def _told_now(norm: str, query_vec: np.ndarray | None, settings: Settings,
              stored: model.Stored | None, use_model: bool, use_head: bool) -> Route | None:
    """The crisis route of what a message says besides the past history it tells as over, read
    alone (no earlier turns, the past clauses and the "well now" clauses set aside), or None.
    Past history closes the model's tiers on the whole message, and the history rows
    (tables/past.yaml PAST_RETURN) know only some ways of saying it is back ("I had an overdose in
    2015. Rope is in the garage and I am done." got the plain decline; stop 51). Read by the rules
    and the public model's tiers only: the team-written tiers read short pieces like "its been a
    long time" as a crisis (dev probe sets). One more forward pass, only for a message with past
    history; with the embedder down the rest is read by the rules and the n-grams."""
    kept, past = _past_history(norm)
    if not past:
        return None
    # "I've been stable and in therapy since then" is part of the story told as over, unless a rule
    # sees a cue in it ("i was fine for years but now i have a plan" is split at "but")
    kept = " . ".join(
        c for c in _clauses(kept)
        if not ((rules.PAST_WELL.search(c) or rules.PAST_WELL_STORY.search(c) or rules.PAST_ANCHOR.search(c))
                and analyse(c).crisis is None and not _weak_cue(c) and not rules.DISTRESS.search(c))
    )
    if len(re.findall(r"[a-z]{2,}", kept)) < NOW_MIN_WORDS:
        return None
    vec = None
    if query_vec is not None:
        try:
            vec = np.asarray(settings.get_embedder().encode([kept]))[0]
        except Exception as exc:  # the rules and the n-grams still read it
            log.warning("guard: embedder unavailable for the rest of a message (%s)", type(exc).__name__)
    now = decide((), kept, query_vec=vec, settings=settings, stored=stored, use_model=use_model,
                 use_head=use_head, _now_only=True)
    return now if now.name == "crisis" else None


def _asked_first(history: Sequence[Turn], window: list[Turn], crisis_idx: list[int]) -> bool:
    """Whether the person's last turn, a crisis turn, already got the after-crisis text that asks
    them to put a plain question again (the assistant's reply after it says so: Turn.asked_first,
    set by the app from Reply.extras). Where the history does not say (user turns only, or a
    caller that does not pass the mark), the turn before being a crisis turn too stands for it,
    as before stop 42. With the mark, two crisis turns in a row ("my husband hits me when he
    drinks", then "next time he does it im going to end him") are two disclosures, and the plain
    question after them is asked first too (stop 42; heldout_stop45)."""
    asked = getattr(_reply_after(history, window[-1]), "asked_first", None)
    if asked is None:
        return (len(window) - 2) in crisis_idx
    return asked


def _checked_in_after(history: Sequence[Turn], turn: Turn) -> bool:
    """True if the assistant's reply right after `turn` checked in (the patient-words head read
    some risk in it, below a crisis): the window then reads the turn as a warning sign."""
    reply = _reply_after(history, turn)
    return reply is not None and bool(getattr(reply, "check_in", False))


def screen(
    history: Sequence[Turn],
    message: str,
    *,
    query_vec: np.ndarray | None = None,
    settings: Settings | None = None,
) -> Route:
    """Decide the route for `message` given earlier turns. See the module docstring."""
    return decide(history, message, query_vec=query_vec, settings=settings)


def decide(
    history: Sequence[Turn],
    message: str,
    *,
    query_vec: np.ndarray | None = None,
    settings: Settings | None = None,
    stored: model.Stored | None = None,
    use_model: bool = True,
    use_head: bool = True,
    _now_only: bool = False,
) -> Route:
    """`screen` with the stored model injectable (tests, evals/train_guard.py); with
    use_model=False only the rules and the conversation window decide. `_now_only`: the call
    reads the rest of a message whose past history was set aside (`_told_now`), and does not
    set it aside again."""
    settings = settings or Settings()
    history = list(history or ())
    message = message or ""
    a = analyse(message)
    norm = normalize(message)
    locale = "es-US" if a.spanish else settings.locale
    flags: list[str] = []
    if a.past_history:
        flags.append("past_history")

    def route(name: str, reason: str, score: float | None = None, extra: tuple[str, ...] = (),
              kind: str | None = None) -> Route:
        if name == "crisis" and kind is None:
            kind = crisis_kind(reason)
        return Route(name=name, reason=reason, locale=locale, score=score,
                     flags=tuple(flags) + extra, kind=kind)

    # 1. crisis in this message (rules)
    if a.crisis:
        return route("crisis", f"rule:{a.crisis}")
    # the rows read the message as the tables do: past history told as over is not read
    row = _crisis_row(a, norm)
    if row:
        return route("crisis", f"rule:{row.id}", kind=row.kind)
    # past history told as over closes the model's tiers; what the message says besides it is read
    # on its own, as a message of its own would be (stop 51)
    if a.past_history and not _now_only:
        now = _told_now(norm, query_vec, settings, stored, use_model, use_head)
        if now is not None:
            return route("crisis", f"past_now:{now.reason}", score=now.score, kind=now.kind)

    # 2. the learned model
    scores = model_scores(message, query_vec, settings, stored) if message.strip() and use_model else None
    model_crisis_route: Route | None = None
    gates = _model_gates(a, norm, history) if scores is not None else None
    hit = model_crisis(a, norm, scores, history, gates) if scores is not None else None
    # the tiers learned from the team's own messages (the veto, the nearest-exemplar tier, the
    # patient-words head, the tuned encoder) read only the full screen, with the vector they were
    # built with (use_head=False: evals/train_head.py picks the head's threshold)
    # (not when reading the rest of a message with past history: short pieces read alone are
    # not what those tiers learned from; "its been a long time" read 1.00 on the tuned encoder)
    with_vec = scores is not None and scores.part == "full" and query_vec is not None and not _now_only
    embedder = _embedder_name(settings)
    if hit is not None and hit[0] in VETOED_TIERS and with_vec and encoder_vetoes(message):
        hit = model_crisis(a, norm, scores, history, gates, skip=VETOED_TIERS)  # a harm tier may still fire
    team = (team_read(norm, query_vec, gates, embedder, use_head, text=message)
            if hit is None and with_vec else TeamRead())
    wide = team.wide if team.wide and wide_agrees(scores.probs["crisis"], gates, team.wide) else 0.0
    tuned_wide = (team.encoder_wide if team.encoder_wide and encoder_agrees(scores.probs["crisis"], gates, team.wide)
                  else 0.0)
    if hit is not None:
        tier, kind, p = hit
        cls = TIER_CLASS[tier]  # the score's class, whatever the kind
        model_crisis_route = route("crisis", f"model:{scores.part}:{cls}:{p:.2f}", score=round(p, 4),
                                   kind=kind)
    elif team.hit is not None:
        name, score, kind = team.hit
        model_crisis_route = route("crisis", f"{name}:{score:.2f}", score=round(score, 4), kind=kind)
    elif wide:
        # the head outside the assistant's topics, where the public model reads crisis too
        model_crisis_route = route("crisis", f"head_wide:{wide:.2f}", score=round(wide, 4), kind="self")
    elif tuned_wide:
        # the tuned encoder outside the topics, where the public model, a rule cue or the head agrees
        model_crisis_route = route("crisis", f"encoder_wide:{tuned_wide:.2f}", score=round(tuned_wide, 4),
                                   kind="self")
    elif with_vec and (sure := encoder_sure(a, norm, message)):
        # the tuned encoder sure, where the gates above held it back (the full screen only, as
        # the other team tiers: evals/train_guard.py replays it there)
        model_crisis_route = route("crisis", f"encoder_sure:{sure:.2f}", score=round(sure, 4), kind="self")
    elif with_vec and (agreed := team_agree(a, norm, message, query_vec, embedder, history, gates, use_head)):
        # the tuned encoder and the head both high, where the gates above held each back alone
        tier, score, kind = agreed
        model_crisis_route = route("crisis", f"{tier}:{score:.2f}", score=round(score, 4), kind=kind)
    elif (with_vec and use_head and scores.probs["crisis"] >= THREE_PUBLIC
          and (agreed3 := three_agree(a, norm, message, query_vec, embedder))):
        # the two team models outside the topics with no rule cue, where the public model reads
        # crisis too (stop 48)
        score, kind = agreed3
        model_crisis_route = route("crisis", f"three_agree:{score:.2f}", score=round(score, 4), kind=kind)
    elif (scores is not None and a.first_person and not _asks(norm) and not _ASKS_INSIDE.search(norm)
          and scores.probs["crisis"] >= scores.thresholds.get("crisis", 1.0)):
        # the model reads crisis in a first-person statement but no gate let it route there
        # ("i feel like a failure because nothing has worked", "i cant stop thinking about what
        # happened to me"): not an emergency, but if nothing vetted answers, the reply is the
        # support text, not the plain decline (bot.chat)
        flags.append("distress")
    elif a.disclosed:
        # a PTSD symptom or a trauma said in the first person ("my flashbacks are getting worse"):
        # the same support text when nothing vetted answers (rules.yaml `disclosure`)
        flags.append("distress")
    if model_crisis_route is None and team.check_in:
        # the head reads risk below its crisis threshold: not routed to crisis, but the reply
        # checks in and carries the full crisis lines (bot.chat; prompts/check_in.md). Veiled
        # messages about the treatment the screen misses often score here (stop 34,
        # evals/experiments/check_in.md)
        flags.append("check_in")

    # 3. the conversation window
    users = _user_turns(history)
    window = users[-WINDOW_USER_TURNS:]
    followup = match_rule("followup", norm)
    crisis_idx = [
        i for i, t in enumerate(window) if _turn_is_crisis(t) or _assistant_crisis_after(history, t)
    ]
    if (model_crisis_route is not None and window and len(window) - 1 not in crisis_idx
            and _ordinary_reason(normalize(window[-1].text))
            and not (a.means or a.distress or _weak_cue(norm, explained=frozenset({"farewell"})))):
        # the turn before gave an ordinary reason ("we're downsizing now the kids are grown") and this
        # one goes on with the arrangement ("I've given most of the garden tools to the neighbour"), with
        # no cue but the farewell it explains: a model's crisis read checks in instead (stop 52)
        model_crisis_route = None
        flags.append("check_in")
    if (model_crisis_route is not None and window and not crisis_idx and rules.SIGNOFF.search(norm)
            and len(norm.split()) <= SIGNOFF_MAX_WORDS and not (a.means_any or a.distress)
            and not _weak_cue(norm, explained=frozenset({"farewell"}))
            and any(asks(normalize(t.text)) for t in window)
            and not any(_signs_in(t, history) for t in window)):
        # the chat signed off after ordinary questions ("can I do ketamine while on
        # suboxone", "ok I'll ask my prescriber", then "that's all I've got. peace"): the models' crisis
        # reading of the goodbye is dropped; after a crisis, a warning sign, a check-in or distress in
        # the window, or said alone, it stands (stop 53)
        model_crisis_route = None
    # a misread or an explanation of a crisis turn in the window (rules.yaml `misread`)
    misread = match_rule("misread", norm) if crisis_idx else None
    # or the message finishes the sentence of the crisis turn right before it, harmlessly (stop 53)
    continued = bool(crisis_idx) and crisis_idx[-1] == len(window) - 1 and _continues_benign(window[-1].text, message)
    if continued and misread is None:
        misread = _CONTINUED
    if (model_crisis_route is not None and misread is not None and crisis_idx[-1] == len(window) - 1
            and (continued or _explains(message))):
        # the turn right after a crisis turn says what it meant ("Into the pool, on a dare from
        # his cousins, and he's fine") and no rule sees a cue in it: the model's read of the
        # explanation is not a new crisis; it is answered below with the lines kept visible (stop 43)
        model_crisis_route = None
    wide_question = bool(window) and _wide_question(norm)  # read only with earlier turns
    # a turn after the last crisis turn said what it meant ("Going to end it tonight." then "With Mark I
    # mean!! ... The relationship"), with no cue of its own: the crisis turn is explained (stop 52)
    explained = bool(crisis_idx) and (
        any(_explains(t.text) for t in window[crisis_idx[-1] + 1:])
        or (crisis_idx[-1] + 1 < len(window)
            and _continues_benign(window[crisis_idx[-1]].text, window[crisis_idx[-1] + 1].text)))
    if explained:
        # (distress words alone, "emotional from the breakup", do not hold it, nor a weak cue alone ("I
        # want to be honest" reads as a plan): strong means or a follow-up row do, and the models' read)
        if a.means or followup:
            return route("crisis", "history:crisis.means", extra=("history_crisis",))
        if model_crisis_route is not None:
            return model_crisis_route
        flags.append("after_crisis_misread")
    elif crisis_idx:
        last = crisis_idx[-1]
        if (a.means if misread and not _weak_cue(norm) else a.means_any) or a.distress or followup:
            return route("crisis", "history:crisis.means", extra=("history_crisis",))
        if last == len(window) - 1 and wide_question and not misread:
            # a question right after a crisis turn about water, cold or heights, where means are
            # bought, a medicine skipped or taken early, all care cancelled, or when a person
            # gets out or where they live ("i said goodbye to my mom today" -> "is the lake by the
            # clinic deep"; stop 37); a statement ("family vacation to the lake!") is not read
            return route("crisis", "history:crisis.means_wide", extra=("history_crisis",))
        if model_crisis_route is not None:
            return model_crisis_route
        brushed_off = all(_is_deflection(t.text) for t in window[last + 1 :])
        if misread:
            # "I didn't mean that, I meant my cat": answered; the lines stay visible
            flags.append("after_crisis_misread")
        elif brushed_off and _is_deflection(message) and not rules.SUPPORT_REACHED.search(norm):
            # "never mind, tell me about side effects": the lines stay, with a word on why
            return route("crisis", "history:crisis.deflect", extra=("history_crisis", "after_crisis"))
        elif last == len(window) - 1 and _goes_on(message, norm):
            # right after a crisis turn the person goes on about it and asks nothing ("been thinking
            # about hanging myself", "looked at the beam in the barn today", then "it'll hold"): still
            # the crisis reply, whatever the turn before was asked (stop 53; before, the ask-first
            # reply to the second turn let the third be answered); help reached, told now
            # (tables/signals.yaml SUPPORT_REACHED), is not that, nor a longer statement or one that
            # explains (`_goes_on`)
            return route("crisis", "history:crisis.continued", extra=("history_crisis",))
        elif last == len(window) - 1 and not _asked_first(history, window, crisis_idx):
            # the first message right after a crisis turn ("what time does the clinic close on
            # the 14th" after "I've picked a date"): not answered yet; the lines stay, with a
            # word on why and an invitation to ask again (prompts/after_crisis.md). Asked again,
            # it is answered with the lines kept (`_asked_first`: the reply before says so)
            return route("crisis", "history:crisis.ask_first", extra=("history_crisis", "after_crisis"))
        elif brushed_off:
            # a plain question asked again after the ask-first reply (or after brush-offs since
            # the crisis turn) is answered, with the lines kept visible
            flags.append("after_crisis")
    if model_crisis_route is not None:
        return model_crisis_route
    if (users and not misread and rules.RETRACT.search(norm)
            and (_checked_in_after(history, users[-1]) or match_rule("warning", normalize(users[-1].text)))):
        # taking back a turn the screen checked in on, or a warning sign ("wrote a note today and
        # scheduled the email to go to my sister sunday morning", then "ignore that. how long is the no
        # driving rule"): a retraction a clinician would not take at its word (stop 53)
        return route("crisis", "history:check_in.retracted", extra=("history_crisis",))
    recent = users[-WINDOW_USER_TURNS:]
    if followup or a.means or wide_question:
        here = match_rule("warning", norm)
        if here and followup:
            return route("crisis", f"rule:{here.id}+{followup.id}")
        for t in reversed(recent):
            sign = match_rule("warning", normalize(t.text))
            if sign:
                return route("crisis", f"history:{sign.id}", extra=("history_crisis",))
            if _checked_in_after(history, t):
                return route("crisis", "history:check_in", extra=("history_crisis",))
    # a crisis turn the message explains (flagged after_crisis_misread above) is no head sign
    if recent and with_vec and misread is None and _asks_after_sign(a, norm, followup, query_vec, settings):
        for t in reversed(recent):
            if _head_sign(t, settings):
                return route("crisis", "history:head_sign", extra=("history_crisis",))
    if a.means:
        if a.distress:
            return route("crisis", "rule:means.after_distress")
        if any(analyse(t.text).distress for t in users[-DISTRESS_WINDOW:]):
            return route("crisis", "history:means.after_distress", extra=("history_crisis",))

    # past history told in an earlier turn, and now it is back ("I survived an overdose in 2015." ...
    # "It's all coming back. I'm planning it again"; "The thoughts are back. Every night."; stop 52)
    # (stop 53: also a warning sign said now, "Wrote letters to my kids again like I did then", rules.yaml
    # `warning_alone`)
    if (window and not misread and not rules.PAST_WELL.search(norm)
            and (rules.PAST_RETURN_LATER.search(norm) or match_rule("warning_alone", norm))
            and any(analyse(t.text).past_history for t in window)):
        return route("crisis", "history:past.return", extra=("history_crisis",))

    # 4. too much of a medicine: taken (a clinic call) or asked about (answered, with what to
    # do if someone has taken too much first); after a warning sign the window above decided
    overdose = match_rule("overdose", norm)
    if overdose is not None:
        flags.append("overdose_info")
        if overdose.kind == "acute":
            return route("clinic", f"rule:{overdose.id}")

    # general questions that only look like a clinic call or a directive (issue 11)
    education = match_rule("education", norm)
    if education:
        return route("continue", f"rule:{education.id}")

    # 5. clinic
    clinic = a.clinic or _clinic_after_session(a, norm, history)
    if clinic:
        return route("clinic", f"rule:{clinic}")

    # 6. boundary
    # (a boundary row of rules.yaml first, then the Python families: Analysis.boundary; it also
    # closes the model's tiers: "so should i just take two of them next time?", a real patient's
    # dose question, scored harm 0.96 and went to crisis before stop 27)
    if a.boundary:
        return route("boundary", f"rule:{a.boundary}")

    # 7. support: distress without risk. A clear warning sign said on its own ("I gave away all
    # my stuff this week", rules.yaml table warning_alone) is not yet a crisis by the window's rule,
    # but it is never answered with a plain decline: bot.chat gives prompts/warning_sign.md
    # (one direct question about suicide) and the full crisis lines
    sign = match_rule("warning_alone", norm)
    if sign and not a.generic_question and not rules.QUESTION_START.match(norm):
        return route("support", f"rule:{sign.id}", extra=("warning_sign",))
    support = match_rule("support", norm)
    if support and not a.generic_question:
        return route("support", f"rule:{support.id}")
    # 8. out of scope: never when the message names anything the assistant is about
    oos = None
    if not a.in_scope and not a.past_history:
        if a.oos:
            oos = route("out_of_scope", f"rule:{a.oos}")
        else:
            stored = stored or model.load()
            p = stored.p_out_of_scope(query_vec, _embedder_name(settings)) if stored else None
            # a follow-up with no topic words ("how long does it last?") after an in-scope turn
            # belongs to that topic: then the bar is higher
            if p is not None and p >= (FOLLOW_UP_OOS if _after_in_scope(users) else SCOPE_MIN):
                oos = route("out_of_scope", f"model:scope:{p:.2f}", score=round(p, 4))

    # 7b. support from the model alone: a first-person message it reads as distress. Not a
    # question right after an in-scope turn ("even if I feel totally normal after 30 min?" after
    # "why do I have to stay 2 hours after Spravato": a follow-up), nor a message out of scope
    # ("How do I unclog a drain?" scored 0.87 for support in one retrain: counselling questions
    # are "how do I ..." questions too); the rows of the support table above need neither.
    if (oos is None and scores is not None and scores.over("support")
            and scores.probs["support"] >= MODEL_SUPPORT_MIN
            and a.first_person and not a.in_scope and not a.generic_question
            and scores.probs["support"] >= scores.probs["safe"]
            and not (norm.rstrip().endswith("?") and _after_in_scope(users))):
        p = scores.probs["support"]
        return route("support", f"model:{scores.part}:support:{p:.2f}", score=round(p, 4))
    if oos is not None:
        return oos

    if scores is not None:
        p = scores.probs["safe"]
        return route("continue", f"model:{scores.part}:safe:{p:.2f}", score=round(p, 4))
    return route("continue", "rule:none")
