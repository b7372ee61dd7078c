"""The safety screen that runs on every user turn before retrieval.

    screen(history, message, *, query_vec=None, settings=None) -> Route

Routes, in order of precedence: crisis > clinic > boundary > out_of_scope > continue.
`Route.reason` names what decided: a rule id (``rule:suicide.direct``), a conversation rule
(``history:crisis.followup``) or a semantic score (``semantic:crisis:0.87``,
``semantic:knn_crisis:0.71``). It never holds message text. `Route.locale` is "es-US" for a
Spanish message, else settings.locale. `Route.flags`: ``past_history`` (past suicidal or
self-harm history, well now: the caller adds a gentle resource line), ``history_crisis``
(crisis because of an earlier turn).

This file is the logic; the regular-expression tables it reads are data in
bot/safety/rules.py (rule ids there are what Route.reason shows).

Rule layer (always on; needs no model)
    The message is normalised by bot.safety.normalize (case, unicode, leetspeak, asterisks,
    elongation, contractions, slang such as kms/unalive/kys/finna, typos). MASKS then blank
    benign spans: idioms and homonyms ("kill a process", "dying to know", "hang out"),
    negations ("I'm not suicidal", "I don't want to die"), reported, research and
    hypothetical phrasing ("suicide risk", "what should I say if a friend tells me ..."),
    habitual symptoms and generic questions. Clauses that tell of past suicidal history
    ("years ago I had suicidal thoughts, I'm well now") are set aside unless the thoughts
    are "coming back"; a medical or danger event told as past ("I passed out once at the
    dentist years ago") is not an emergency. Then, in order:
      - CRISIS_STRONG rows match anywhere; CRISIS_FP rows only in a clause about the writer;
      - weak CUES (a veiled act such as "end things", a plan or date, holding the means, a
        farewell act, finality, distress, someone else's goodbye, an overdose act with acute
        symptoms) make a crisis when two different families meet in one message (COMBOS:
        "I have the rope already, I just need to pick a day");
      - CLINIC_SYMPTOMS (a symptom after or during a session), BOUNDARY_RULES (personal
        directives, illicit acquisition or misuse, role-play and jailbreaks),
        OUT_OF_SCOPE_TOPICS (only when nothing in IN_SCOPE is named).
    With query_vec=None this layer alone catches every crisis item in the dev sets.

Semantic layer (when the caller passes `query_vec`, the L2-normalised MiniLM vector it
already computed for retrieval; no second model pass)
    A multinomial logistic regression (scikit-learn) trained on the MiniLM vectors of the
    labelled exemplars in bot/safety/data/guard_exemplars.jsonl (crisis, clinic, boundary,
    out_of_scope, safe; none of them is a dev-set item), plus a nearest-neighbour crisis
    check: the query is a crisis when its nearest crisis exemplar is close enough and
    closer, by a margin, than its nearest safe exemplar. evals/calibrate_guard.py trains
    both and writes the weights, thresholds, exemplar-file hash and embedder name to
    bot/safety/data/guard_model.json and the exemplar matrix to bot/safety/data/guard_knn.npy (float16),
    which this module loads with numpy in milliseconds. Only when that file is missing or
    stale (another exemplar hash or embedder) is the model trained at run time, with the
    exemplar vectors cached under settings.data_dir/cache. Crisis thresholds are calibrated
    toward recall within a false-crisis budget on look-alikes.
    The semantic layer only adds routes, never removes a rule decision, and is gated: no
    semantic crisis when a mask recognised an idiom, negation, hypothetical or past
    history, nor for a past event or an off-topic text without distress; a higher bar (and
    no nearest-neighbour path) when a rule already found a clinic call or a boundary
    request, for a general question with no first person, and for Spanish (the English
    MiniLM places it poorly; the Spanish rules carry it); no semantic clinic without a
    first-person or session mention; no semantic boundary without "I"/"my" or an illicit
    or jailbreak cue; no semantic out_of_scope when any in-scope word is present (and a
    higher bar right after an in-scope turn, for follow-ups such as "how long does it
    last?").

Conversation window (history: earlier Turn objects; only user turns are screened, and any
turn whose `route` is "crisis" counts as a crisis turn)
    - the user turn right after a crisis turn is crisis whatever it says ("never mind,
      tell me about side effects"); so is every later turn while the turns since the
      crisis are only brush-offs ("lol jk", "ok", "whatever");
    - within the last WINDOW_USER_TURNS (3) user turns after a crisis turn, any question
      about amounts, doses, methods, heights, weapons or "painless ways", or a new distress
      statement, is crisis;
    - distress ("I just lost my job", "I feel hopeless") in the same message or one of the
      last DISTRESS_WINDOW (2) user turns, followed by a means question ("tallest bridges
      near me", "how many of my pills"), is crisis (``means.after_distress``);
    - older turns, or later questions with no means content, do not hold the route.
    A crisis caught only by the semantic layer is remembered (by a hash of the text, never
    the text) so the next turn still sees it.

Cost: about 0.5 ms of CPU per turn (p95 under 1 ms) with query_vec given, measured over
the dev sets with caches cleared; it grows linearly with message length (about 1 ms per
100 characters past a few hundred). Analyses of earlier turns are cached by text hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.safety import rules
from bot.safety.normalize import normalize
from bot.types import Route, Turn

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
EXEMPLARS_PATH = DATA_DIR / "guard_exemplars.jsonl"
MODEL_PATH = DATA_DIR / "guard_model.json"  # written by evals/calibrate_guard.py
KNN_PATH = DATA_DIR / "guard_knn.npy"
DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"  # bot.retrieval.embed.MiniLMEmbedder.name

ROUTES = ("crisis", "clinic", "boundary", "out_of_scope", "continue")
SEMANTIC_LABELS = ("crisis", "clinic", "boundary", "out_of_scope", "safe")
WINDOW_USER_TURNS = 3  # earlier user turns read for crisis context
DISTRESS_WINDOW = 2  # earlier user turns read for distress + means
FOLLOW_UP_OOS = 0.92  # semantic out_of_scope right after an in-scope user turn
# Used only when guard_model.json has none. knn_crisis / knn_margin: the nearest crisis
# exemplar's cosine similarity, and its lead over the nearest safe exemplar.
DEFAULT_THRESHOLDS = {
    "crisis": 0.90,
    "clinic": 0.90,
    "boundary": 0.90,
    "out_of_scope": 0.90,
    "knn_crisis": 0.99,
    "knn_margin": 0.05,
}
CLASSIFIER_C = 16.0  # inverse regularisation of the logistic regression (calibrated)
SEMANTIC_OVER_RULE = 0.90  # semantic crisis over a rule's clinic or boundary decision
KNN_LABELS = ("crisis", "safe")  # exemplars kept for the nearest-neighbour check
KNN_MAX_BYTES = 1_000_000  # as float16; above this the nearest-neighbour check is skipped


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
    boundary: str | None
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
    """Remove clauses that tell of past suicidal/self-harm history when the person is well now.

    Returns the text with those clauses blanked and whether such history was found."""
    if not rules.PAST_MARK.search(norm) or not rules.PAST_TOPIC.search(norm):
        return norm, False
    clauses = _clauses(norm)
    past_idx = [
        i for i, c in enumerate(clauses) if rules.PAST_MARK.search(c) and rules.PAST_TOPIC.search(c)
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


def _told_as_past(text: str, start: int) -> bool:
    """True when the sentence around `start` tells a past event ("I passed out once at the
    dentist years ago") and nothing in it says it is happening now."""
    left = max(text.rfind(p, 0, start) for p in ".?!;")
    ends = [i for i in (text.find(p, start) for p in ".?!;") if i >= 0]
    sentence = text[left + 1 : min(ends) if ends else len(text)]
    return bool(rules.PAST_EVENT.search(sentence)) and not rules.PAST_EVENT_NOW.search(sentence)


def _strong_rule(text: str) -> str | None:
    for rule_id, pattern in rules.CRISIS_STRONG:
        for m in pattern.finditer(text):
            # a past medical event or past danger is history, not an emergency
            if rule_id.startswith(("medical.", "danger.")) and _told_as_past(text, m.start()):
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


def _clinic_rules(norm: str, first_person: bool, session_ctx: bool) -> str | None:
    personal = first_person or rules.THIRD_PERSON.search(norm)
    if not personal and (rules.QUESTION_START.match(norm) or norm.rstrip().endswith("?")):
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
    boundary = _boundary_rules(norm)
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
        generic_question=not first_person
        and bool(rules.QUESTION_START.match(norm) or norm.rstrip().endswith("?")),
    )


# ---------------------------------------------------------------------------------------
# Semantic layer
# ---------------------------------------------------------------------------------------
class SemanticModel:
    """The semantic layer's weights: a multinomial logistic regression over MiniLM vectors of
    the labelled exemplars in bot/safety/data/guard_exemplars.jsonl, and optionally those exemplar
    vectors themselves for a nearest-neighbour crisis check. Plain numpy arrays: scoring one
    query is a (5 x 384) and an (n x 384) matrix-vector product."""

    def __init__(
        self,
        classes: Sequence[str],
        coef: np.ndarray,
        intercept: np.ndarray,
        knn: np.ndarray | None = None,
        knn_is_crisis: np.ndarray | None = None,
    ):
        self.classes = list(classes)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.knn = None if knn is None else np.asarray(knn, dtype=np.float32)
        self.knn_is_crisis = None if knn_is_crisis is None else np.asarray(knn_is_crisis, bool)

    def scores(self, vec: np.ndarray) -> dict[str, float]:
        z = self.coef @ np.asarray(vec, dtype=np.float32).reshape(-1) + self.intercept
        z = z - z.max()
        p = np.exp(z)
        p /= p.sum()
        return {label: float(x) for label, x in zip(self.classes, p, strict=True)}

    def nearest(self, vec: np.ndarray) -> tuple[float, float] | None:
        """Cosine similarity of the nearest crisis exemplar and of the nearest other one."""
        if self.knn is None or self.knn_is_crisis is None:
            return None
        sims = self.knn @ np.asarray(vec, dtype=np.float32).reshape(-1)
        return float(sims[self.knn_is_crisis].max()), float(sims[~self.knn_is_crisis].max())


def fit_model(vecs: np.ndarray, labels: Sequence[str], *, c: float = CLASSIFIER_C) -> SemanticModel:
    """Train the classifier (scikit-learn) and keep the crisis and safe exemplar vectors for
    the nearest-neighbour check when they fit in KNN_MAX_BYTES as float16."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([SEMANTIC_LABELS.index(lbl) for lbl in labels])
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    clf.fit(vecs, y)
    keep = np.array([lbl in KNN_LABELS for lbl in labels])
    knn = knn_crisis = None
    if keep.sum() * vecs.shape[1] * 2 < KNN_MAX_BYTES:
        knn = np.asarray(vecs, dtype=np.float32)[keep]
        knn_crisis = np.array([lbl == "crisis" for lbl in labels])[keep]
    return SemanticModel(
        [SEMANTIC_LABELS[i] for i in clf.classes_], clf.coef_, clf.intercept_, knn, knn_crisis
    )


def load_exemplars(path: Path = EXEMPLARS_PATH) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            if row["label"] not in SEMANTIC_LABELS:
                raise ValueError(f"{path}: unknown label {row['label']!r}")
            texts.append(row["text"])
            labels.append(row["label"])
    return texts, labels


def exemplar_hash(path: Path = EXEMPLARS_PATH) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _embedder_name(embedder) -> str:
    return str(getattr(embedder, "name", type(embedder).__name__))


def exemplar_vectors(embedder, texts: list[str], cache_dir: Path | None, digest: str) -> np.ndarray:
    """Embed the exemplars once; reuse a cached .npy keyed by the file hash and the embedder."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", _embedder_name(embedder))
    dim = getattr(embedder, "dim", "x")
    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / f"guard_exemplars-{digest}-{name}-{dim}.npy"
        if cache.is_file():
            try:
                vecs = np.load(cache)
                if vecs.shape[0] == len(texts):
                    return vecs
            except (OSError, ValueError):
                pass
    vecs = np.asarray(embedder.encode(texts), dtype=np.float32)
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp.npy")
            np.save(tmp, vecs)
            tmp.replace(cache)
        except OSError as exc:  # a read-only data dir must not stop the screen
            log.info("guard: exemplar cache not written: %s", exc)
    return vecs


def save_model(
    model: SemanticModel,
    thresholds: dict[str, float],
    *,
    digest: str,
    embedder_name: str,
    path: Path = MODEL_PATH,
    knn_path: Path = KNN_PATH,
    extra: dict | None = None,
) -> None:
    """Write the trained weights (JSON) and the nearest-neighbour matrix (float16 .npy)."""
    payload = {
        "format": 1,
        "embedder": embedder_name,
        "dim": int(model.coef.shape[1]),
        "exemplars_sha256_16": digest,
        "classes": model.classes,
        "coef": [[round(float(x), 6) for x in row] for row in model.coef],
        "intercept": [round(float(x), 6) for x in model.intercept],
        "thresholds": {k: round(float(v), 4) for k, v in sorted(thresholds.items())},
        "knn": None,
    }
    if model.knn is not None and model.knn_is_crisis is not None:
        np.save(knn_path, model.knn.astype(np.float16))
        payload["knn"] = {
            "file": knn_path.name,
            "sha256_16": hashlib.sha256(knn_path.read_bytes()).hexdigest()[:16],
            "rows": int(model.knn.shape[0]),
            "crisis_rows": [int(i) for i in np.flatnonzero(model.knn_is_crisis)],
        }
    elif knn_path.exists():
        knn_path.unlink()
    payload.update(extra or {})
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def load_model(
    path: Path = MODEL_PATH, *, digest: str | None = None, embedder_name: str | None = None
) -> tuple[SemanticModel, dict[str, float]] | None:
    """The stored model and its thresholds, or None when missing or stale (exemplar file
    changed, other embedder, damaged nearest-neighbour file)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if digest is not None and data.get("exemplars_sha256_16") != digest:
        return None
    if embedder_name is not None and data.get("embedder") != embedder_name:
        return None
    knn = knn_is_crisis = None
    if data.get("knn"):
        knn_file = path.parent / data["knn"]["file"]
        raw = knn_file.read_bytes() if knn_file.is_file() else b""
        if hashlib.sha256(raw).hexdigest()[:16] != data["knn"]["sha256_16"]:
            return None
        knn = np.load(knn_file).astype(np.float32)
        knn_is_crisis = np.zeros(knn.shape[0], dtype=bool)
        knn_is_crisis[data["knn"]["crisis_rows"]] = True
    model = SemanticModel(data["classes"], data["coef"], data["intercept"], knn, knn_is_crisis)
    return model, load_thresholds(path)


def load_thresholds(path: Path = MODEL_PATH) -> dict[str, float]:
    out = dict(DEFAULT_THRESHOLDS)
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        for key in DEFAULT_THRESHOLDS:
            if key in data.get("thresholds", {}):
                out[key] = float(data["thresholds"][key])
    return out


_MODELS: dict[tuple, tuple[SemanticModel, dict[str, float]] | None] = {}
_MODELS_LOCK = threading.Lock()


def semantic_model(settings: Settings) -> tuple[SemanticModel, dict[str, float]] | None:
    """The per-process semantic model for this settings' embedder (None if it cannot be built).

    Loads the weights stored in bot/data (milliseconds). Only when that file is missing, was
    trained on another version of the exemplar file or for another embedder, it trains at run
    time: the exemplars are embedded once (cached under settings.data_dir/cache) and fitted."""
    embedder = settings.embedder
    key = (id(embedder) if embedder is not None else "default", str(settings.data_dir))
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        model = None
        try:
            digest = exemplar_hash()
            name = _embedder_name(embedder) if embedder is not None else DEFAULT_EMBEDDER
            model = load_model(digest=digest, embedder_name=name)
            if model is None:
                log.warning("guard: stored semantic model missing or stale; training at run time")
                emb = settings.get_embedder()
                texts, labels = load_exemplars()
                cache = Path(settings.data_dir) / "cache"
                vecs = exemplar_vectors(emb, texts, cache, digest)
                model = (fit_model(vecs, labels), load_thresholds())
        except Exception as exc:  # the rule layer must keep working whatever happens here
            log.warning("guard: semantic layer unavailable (%s); rules only", type(exc).__name__)
            model = None
        _MODELS[key] = model
        return model


# Semantic verdicts of earlier turns, keyed by a hash of their text (never the text), so a
# crisis caught only by the semantic layer still counts as crisis context on the next turn.
_SEMANTIC_MEMO: OrderedDict[bytes, str] = OrderedDict()


def _remember(text: str, route: str) -> None:
    with _CACHE_LOCK:
        _SEMANTIC_MEMO[_key(text)] = route
        if len(_SEMANTIC_MEMO) > _CACHE_MAX:
            _SEMANTIC_MEMO.popitem(last=False)


def _remembered(text: str) -> str | None:
    with _CACHE_LOCK:
        return _SEMANTIC_MEMO.get(_key(text))


# ---------------------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------------------
def _is_deflection(text: str) -> bool:
    """A brush-off after a crisis statement: "never mind", "lol jk", "ok", "whatever"."""
    norm = normalize(text)
    return bool(rules.DEFLECT_STRICT.search(norm)) or len(norm.split()) <= 2


def _user_turns(history: Sequence[Turn]) -> list[Turn]:
    return [t for t in history if getattr(t, "role", "user") == "user"]


def _turn_is_crisis(turn: Turn) -> bool:
    if getattr(turn, "route", None) == "crisis":
        return True
    if analyse(turn.text).crisis is not None:
        return True
    return _remembered(turn.text) == "crisis"


def _assistant_crisis_after(history: Sequence[Turn], turn: Turn) -> bool:
    """True if the assistant's reply right after `turn` was a crisis reply."""
    seen = False
    for t in history:
        if t is turn:
            seen = True
            continue
        if seen:
            return getattr(t, "role", "") == "assistant" and getattr(t, "route", None) == "crisis"
    return False


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
    thresholds: dict[str, float] | None = None,
    model: tuple[SemanticModel, dict[str, float]] | None = None,
) -> Route:
    """`screen` with the semantic model and thresholds injectable (evals/calibrate_guard.py)."""
    settings = settings or Settings()
    history = list(history or ())
    a = analyse(message or "")
    locale = "es-US" if a.spanish else settings.locale
    flags: list[str] = []
    if a.past_history:
        flags.append("past_history")

    def route(
        name: str, reason: str, score: float | None = None, extra: tuple[str, ...] = ()
    ) -> Route:
        return Route(
            name=name, reason=reason, locale=locale, score=score, flags=tuple(flags) + extra
        )

    # 1. crisis in this message (rules)
    if a.crisis:
        return route("crisis", f"rule:{a.crisis}")

    # 2. crisis carried over from the conversation (last WINDOW_USER_TURNS user turns)
    users = _user_turns(history)
    window = users[-WINDOW_USER_TURNS:]
    crisis_idx = [
        i for i, t in enumerate(window) if _turn_is_crisis(t) or _assistant_crisis_after(history, t)
    ]
    if crisis_idx:
        if crisis_idx[-1] == len(window) - 1:
            # the very next user turn after a crisis statement keeps the crisis reply
            reason = "history:crisis.means" if a.means_any else "history:crisis.followup"
            return route("crisis", reason, extra=("history_crisis",))
        if a.means_any or a.distress:
            return route("crisis", "history:crisis.means", extra=("history_crisis",))
        since = window[crisis_idx[-1] + 1 :]
        if all(_is_deflection(t.text) for t in since):
            # "I want to die" / "haha never mind" / "anyway, what is PTSD?": still the crisis reply
            return route("crisis", "history:crisis.followup", extra=("history_crisis",))
    if a.means:
        recent = users[-DISTRESS_WINDOW:]
        if a.distress:
            return route("crisis", "rule:means.after_distress")
        if any(analyse(t.text).distress for t in recent):
            return route("crisis", "history:means.after_distress", extra=("history_crisis",))

    # 3. semantic layer (adds recall; never removes a rule decision)
    sem: dict[str, float] = {}
    if query_vec is not None:
        model = model or semantic_model(settings)
        if model is not None:
            clf, calibrated = model
            thresholds = {**calibrated, **(thresholds or {})}
            sem = clf.scores(query_vec)
            p = sem.get("crisis", 0.0)
            # a rule that recognised a clinic call or a boundary request is evidence too, and so is
            # a general question about other people ("are there deaths reported from Spravato?"),
            # and Spanish, which the English MiniLM places poorly (the Spanish rules carry it):
            # the classifier then needs SEMANTIC_OVER_RULE, and the nearest-neighbour path is off
            over_rule = (
                a.clinic is not None or a.boundary is not None or a.generic_question or a.spanish
            )
            needed = (
                max(thresholds["crisis"], SEMANTIC_OVER_RULE) if over_rule else thresholds["crisis"]
            )
            if a.semantic_crisis_allowed:
                if p >= needed:
                    _remember(message, "crisis")
                    return route("crisis", f"semantic:crisis:{p:.2f}", score=round(p, 4))
                # nearest neighbour: close to a crisis exemplar, and closer than to any safe one
                near = None if over_rule else clf.nearest(query_vec)
                if near is not None:
                    crisis_sim, other_sim = near
                    if (
                        crisis_sim >= thresholds["knn_crisis"]
                        and crisis_sim - other_sim >= thresholds["knn_margin"]
                    ):
                        _remember(message, "crisis")
                        return route(
                            "crisis",
                            f"semantic:knn_crisis:{crisis_sim:.2f}",
                            score=round(crisis_sim, 4),
                        )

    # 4. clinic
    clinic = a.clinic
    if clinic is None and not a.session and a.first_person:
        # "I still feel detached and it's been 6 hours" right after a turn about today's infusion
        prev = users[-2:]
        if any(analyse(t.text).session for t in prev):
            norm = normalize(message)
            for rule_id, pattern in rules.CLINIC_SYMPTOMS:
                if pattern.search(norm) and not rules.GENERIC_EFFECT_Q.match(norm):
                    clinic = rule_id
                    break
    if clinic:
        return route("clinic", f"rule:{clinic}")
    if sem and sem.get("clinic", 0.0) >= thresholds["clinic"] and (a.first_person or a.session):
        p = sem["clinic"]
        return route("clinic", f"semantic:clinic:{p:.2f}", score=round(p, 4))

    # 5. boundary
    if a.boundary:
        return route("boundary", f"rule:{a.boundary}")
    if sem and sem.get("boundary", 0.0) >= thresholds["boundary"] and a.boundary_cue:
        p = sem["boundary"]
        return route("boundary", f"semantic:boundary:{p:.2f}", score=round(p, 4))

    # 6. out of scope: never when the message names anything the assistant is about
    if not a.in_scope and not a.past_history:
        if a.oos:
            return route("out_of_scope", f"rule:{a.oos}")
        if sem:
            p = sem.get("out_of_scope", 0.0)
            # a follow-up with no topic words ("how long does it last?") after an in-scope turn
            # belongs to that topic: the semantic layer then needs much more confidence
            needed = thresholds["out_of_scope"]
            if any(analyse(t.text).in_scope for t in users[-2:]):
                needed = max(needed, FOLLOW_UP_OOS)
            if p >= needed:
                return route("out_of_scope", f"semantic:out_of_scope:{p:.2f}", score=round(p, 4))

    if sem:
        return route(
            "continue",
            f"semantic:safe:{sem.get('safe', 0.0):.2f}",
            score=round(sem.get("safe", 0.0), 4),
        )
    return route("continue", "rule:none")
