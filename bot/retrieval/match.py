"""Match a question to the passages that answer it: dense + lexical features, then the
calibrated decision (bot.retrieval.decide).

Each passage is matched through its own questions (heading and `also` phrasings, one vector
each) and through its text. The in-memory part (vectors, term matrix, character n-grams) is
loaded once per index generation and refreshed when ingest flips the manifest. MiniLM is an
English model, so Spanish relies more on the lexical and character n-gram features.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from bot.config import Settings
from bot.errors import StoreUnavailable
from bot.retrieval import asked as asked_mod
from bot.retrieval.asked import AskedBefore
from bot.retrieval.chunk import embed_text, from_record
from bot.retrieval.decide import FEATURES, Decision, calibrated
from bot.retrieval.embed import embedder_name
from bot.retrieval.store import Store, fetch_all
from bot.types import Hit, Passage, Turn

log = logging.getLogger(__name__)

NEAR_DUPLICATE = 0.9  # passage cosine above which a second passage repeats the first
N_SUGGESTIONS = 3  # issue 11: "up to three questions I can answer"
NOT_ANSWERS = ("popular_article",)  # quoted only as claim cards, never as an answer

STOP_EN = set("""a an the and or of to in on for with by at from as is are was were be been being it its this that
these those what which who whom how why when where do does did can could should would will may might
i me my you your we our they them their he she his her about into than then there here not no yes if
so such also any all some more most much many very just get got tell know im ive id dont doesnt didnt
cant wont isnt arent whats hows u ur r pls plz ppl thx ok okay hi hello hey really thing things""".split())
STOP_ES = set("""el la los las lo un una unos unas de del al y o u que qué en es son por para con sin se su sus
mi mis me te tu tus le les nos como cómo cuál cual cuáles cuándo cuando cuánto cuanto dónde donde
quién quien si sí no pero más muy ya también hay ser estar está están esto eso esta este ese esa
puedo puede pueden tengo tiene debo hace hacer sobre entre porque qu""".split())
STOP = STOP_EN | STOP_ES
ES_MARKERS = set("""el la los las del que qué es son por para con se su mi me como cómo cuál cuándo cuánto
dónde quién pero más muy también hay está puedo puede tengo debo hace sobre porque una unos y
ketamina esketamina tratamiento efectos dura funciona""".split())
EN_MARKERS = set("""the an is are what how can i my of to and for with does do it in on about will should
long after when who why that this you your""".split())

# "a post", "an article", "a blog said" or "it says" is something else the person read ("read a
# post saying higher doses work worse, should i ask to turn mine down?"): matched as any
# question (the claims check's own sections among the passages), not answered with the popular
# article's claim cards, which show its claims whatever was asked (stop 38)
ARTICLE_RE = re.compile(
    r"\b(?:popular|that|this|the|your|el|este|ese)\s+(?:\w+\s+)?(?:article|blog|post|piece|story|art[ií]culo)\b"
    r"|\barticle\s+(?:says?|claims?|said)\b", re.I)
# A particular clinic's logistics (hours, parking, where, booking, prices of one place) are
# never in a psychoeducation corpus; the care team answers those.
LOGISTICS_RE = re.compile(
    r"\b(?:opening hours|open(?:ing)? (?:on|at|until)|hours on|parking|park (?:at|near)|near me|nearest|"
    r"address|directions to|how do i get to|book(?:ing)? an? (?:appointment|session)|make an appointment|"
    r"wait(?:ing)? list|clinics? (?:are there )?in [a-z]+|clinics? near|where is the clinic|wi-?fi|"
    r"(?:restroom|bathroom|toilet|elevator|wheelchair access)s? (?:at|in|near) the (?:clinic|office|infusion room))\b",
    re.I)
# A follow-up leans on the previous question: a connective start, or a short message that
# points back ("that", "it") without naming its own topic.
FOLLOW_START_RE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|oh|hmm+|right|thanks|vale|bueno)[,.!]*\s+)?(?:and|also|or|but|so|what about|how about|what if|same for|even|y|¿?y|¿?qué tal|¿?y si|"
    r"tambi[eé]n|pero|entonces)\b", re.I)
# A question that opens by pointing back ("does that happen with treatment doses too?", "is that as
# good as the iv?") is a follow-up too ("it" is left out: "is it true ketamine was made for horses")
POINTER_START_RE = re.compile(r"^\s*(?:does|do|is|are|will|would|can|could|did|was|were|and)\s+"
                              r"(?:that|this|those|these|eso|esto)\b", re.I)
POINTER_RE = re.compile(r"\b(?:it|that|this|those|these|they|them|one|eso|esto|ese|esa|lo|la)\b", re.I)
FOLLOW_MAX_WORDS = 8  # longer messages carry their own topic (issue 12: "short or elliptical")
# A message that opens as a follow-up ("and how long do they last after each dose?", "so would
# spravato be an option for me then?", "does that happen with treatment doses too?") is read with
# the previous question up to this length.
FOLLOW_START_MAX_WORDS = 14


def fold(text: str) -> str:
    """Lower case without accents (so "cuánto" and "cuanto" meet)."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A crude prefix stem, enough to meet "addicted"/"addiction", "dissociate"/"dissociation"."""
    if len(word) > 6:
        return word[:6]
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def terms(text: str) -> list[str]:
    """Content-word stems of a text (English and Spanish stop words removed)."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    stops = {fold(w) for w in STOP}
    return [stem(w) for w in words if len(w) > 2 and w not in stops]


def content_words(text: str) -> set[str]:
    """Content words of a text, unstemmed (grounding's term check)."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in STOP_EN
            and w != "ketamine"}


def language(text: str, default: str = "en") -> str:
    """'es' when the text reads as Spanish (function words, accents, ¿ ¡), 'en' when it reads
    as English, else `default` (the page's language)."""
    words = re.findall(r"[a-záéíóúüñ¿¡]+", text.lower())
    es = sum(w.strip("¿¡") in ES_MARKERS for w in words) + 2 * bool(re.search(r"[¿¡ñ]|ción\b", text.lower()))
    es += sum(1 for w in words if re.search(r"[áéíóú]", w))
    en = sum(w in EN_MARKERS for w in words)
    if es >= 2 and es > en:
        return "es"
    if en >= 1 and en > es:
        return "en"
    return default


# A run-on message: its sentences (and a ", will i ..." tail) are matched one by one as well.
CLAUSE_RE = re.compile(r"[^?.!;\n]+[?.!;]?|\n")
TAIL_RE = re.compile(r",\s+(?=(?:and |but |so )?(?:is|are|does|do|did|can|could|will|would|should|what|how|why|"
                     r"when|am i|i|puedo|es|qu[eé]|c[oó]mo|cu[aá]nto)\b)", re.I)
MAX_CLAUSES = 3  # each clause is one more query embedding (a few ms each)
CLAUSE_VECTOR_FEATURES = ("qsimc", "psimc", "gapc", "pgap")  # the ones that need the clauses embedded
CLAUSE_MIN_WORDS = 3


def clauses(text: str) -> list[str]:
    """The clauses of a message of several sentences, at most MAX_CLAUSES: its questions
    first (the last ones), then its last statements. [] for a one-clause message."""
    parts = [c.strip() for s in CLAUSE_RE.findall(text) for c in TAIL_RE.split(s)]
    parts = [c for c in parts if len(c.split()) >= CLAUSE_MIN_WORDS]
    if len(parts) < 2:
        return []
    asks = [i for i, c in enumerate(parts) if c.endswith("?")]
    rest = [i for i in range(len(parts)) if i not in asks]
    keep = sorted((asks[::-1] + rest[::-1])[:MAX_CLAUSES])
    return [parts[i] for i in keep]


# Names patients use for what the corpus names otherwise (brand and street names, common
# transpositions); the word on the right is what the corpus says.
ALIASES = {"pstd": "ptsd", "ptsb": "ptsd", "lamictal": "lamotrigine", "lamictle": "lamotrigine",
           "klonopin": "benzodiazepine", "xanax": "benzodiazepine", "ativan": "benzodiazepine",
           "valium": "benzodiazepine", "benzo": "benzodiazepine", "benzos": "benzodiazepine",
           "nardil": "maoi", "parnate": "maoi", "emsam": "maoi", "zoloft": "ssri", "lexapro": "ssri",
           "prozac": "ssri", "paxil": "ssri", "adderall": "stimulant", "ritalin": "stimulant",
           "weed": "cannabis", "marijuana": "cannabis", "booze": "alcohol", "drinking": "alcohol",
           "spray": "nasal", "shots": "intramuscular",
           # drug names a patient uses for the classes the corpus speaks of (generic and brand)
           "wellbutrin": "antidepressant", "bupropion": "antidepressant", "effexor": "antidepressant",
           "venlafaxine": "antidepressant", "cymbalta": "antidepressant", "duloxetine": "antidepressant",
           "pristiq": "antidepressant", "desvenlafaxine": "antidepressant", "remeron": "antidepressant",
           "mirtazapine": "antidepressant", "trintellix": "antidepressant", "vortioxetine": "antidepressant",
           "celexa": "ssri", "citalopram": "ssri", "escitalopram": "ssri", "sertraline": "ssri",
           "fluoxetine": "ssri", "paroxetine": "ssri",
           "lorazepam": "benzodiazepine", "clonazepam": "benzodiazepine", "alprazolam": "benzodiazepine",
           "diazepam": "benzodiazepine",
           "oxycodone": "opioid", "oxycontin": "opioid", "percocet": "opioid", "vicodin": "opioid",
           "hydrocodone": "opioid", "fentanyl": "opioid", "tramadol": "opioid", "morphine": "opioid",
           "methadone": "opioid", "suboxone": "opioid", "buprenorphine": "opioid", "opiates": "opioid",
           "vyvanse": "stimulant", "concerta": "stimulant", "methylphenidate": "stimulant",
           "amphetamine": "stimulant", "dexedrine": "stimulant", "focalin": "stimulant"}
SPELL_MIN_SIM = 0.5  # character-bigram/trigram cosine at which an unknown word is read as a corpus word
SPELL_CACHE = 20000  # corrections remembered per index generation


def about_article(query: str) -> bool:
    """Is the question about the popular article (or one of its claims)?"""
    return bool(ARTICLE_RE.search(query))


def clinic_logistics(query: str) -> bool:
    return bool(LOGISTICS_RE.search(query))


def condense(history: Sequence[Turn], message: str) -> tuple[str, bool]:
    """The query to match: a short or elliptical follow-up is read with the previous user
    question ("how long does it last" + "and for PTSD specifically?"). Returns (query, condensed)."""
    turns = list(history)

    def crisis_turn(i: int) -> bool:  # a crisis message is never the thread, whichever turn says so
        nxt = turns[i + 1] if i + 1 < len(turns) else None
        return turns[i].route == "crisis" or (nxt is not None and nxt.role == "assistant" and nxt.route == "crisis")

    previous = next((t.text for i, t in reversed(list(enumerate(turns)))
                     if t.role == "user" and t.text.strip() and not crisis_turn(i)), "")
    words = message.split()
    if not previous:
        return message, False
    own = terms(message)
    elliptical = ((bool(FOLLOW_START_RE.match(message) or POINTER_START_RE.match(message))
                   and len(words) <= FOLLOW_START_MAX_WORDS)
                  or (bool(POINTER_RE.search(message)) and len(own) <= 2 and len(words) <= FOLLOW_MAX_WORDS))
    # "what are the symptoms", "how common", "cost?" after a question: only words that ask
    # about some subject (GENERIC), with no subject of their own, so the subject is the thread's
    bare = bool(own) and len(words) <= BARE_MAX_WORDS and set(own) <= GENERIC_STEMS
    if not (elliptical or bare):
        return message, False
    return f"{previous.strip()} {message.strip()}", True


BARE_MAX_WORDS = 6
# Words that ask about a subject without naming one ("the symptoms", "how common", "success
# rate"): a short message of only these, after a question, is read with that question. Not
# "treatment options" or "alternatives": those name a subject of their own ("treatment options?"
# after a question on PTSD symptoms wants the treatments, not the symptoms passage again).
GENERIC = (
    "symptom symptoms sign signs side effect effects risk risks danger dangers dangerous safe safety "
    "common rare often frequent frequently happen likely chance chances odds rate rates success "
    "successful percentage long last lasts lasting permanent forever reversible away cure cured "
    "cost costs price expensive cheap dose doses dosage "
    "evidence research results proof benefit benefits session sessions age limit work works help helps "
    # (stop 32) how much / how long / who, asked of the thread's subject: "how many weeks" after a
    # question on prolonged exposure, "how long should i wait" after one on driving, "minimum age"
    "week weeks month months day days time wait total needed usually typical average normal higher "
    "lower minimum maximum term heal healing recover recovery reverse prevent stop eligible qualify "
    "state states out pocket feel feeling damage "
    "sintoma sintomas senales efecto efectos secundarios riesgo riesgos peligroso seguro comun frecuente "
    "raro dura duracion permanente cura costo cuesta precio caro dosis sesion sesiones edad "
    "evidencia resultados funciona")
GENERIC_STEMS = frozenset(terms(GENERIC))


SWAP_MAX_WORDS = 5  # "and my klonopin?", "what about for veterans?": a follow-up that swaps the subject


def swaps_subject(message: str) -> bool:
    """A short follow-up that names a new subject for the previous question ("and my
    klonopin?" after a question about lamotrigine)."""
    return bool(FOLLOW_START_RE.match(message)) and len(message.split()) <= SWAP_MAX_WORDS


# Words a follow-up uses around its new subject without naming one ("what about EMDR instead")
FILLER_STEMS = frozenset(terms("instead either too as well other another same different better worse "
                               "kind type way sure mean means person someone people thing while during before after until since "
                               "still even okay alright fine good bad"))


def new_subject(query: str, message: str) -> set[str]:
    """The content words of a follow-up that the previous question did not use and that ask
    about no subject (GENERIC): its new subject ("emdr" in "what about EMDR instead, is that ok
    while pregnant" after a question on ketamine in pregnancy). `query` is the condensed query
    (the previous question, then the message)."""
    previous = query[: max(0, len(query) - len(message.strip()))]
    return set(terms(message)) - set(terms(previous)) - GENERIC_STEMS - FILLER_STEMS


def names_any(index: Index, passage: Passage, words: set[str], lang: str | None = None) -> bool:
    """Whether a passage (its heading, `also` phrasings and text) names one of `words` (stems,
    misspellings read as the corpus's words)."""
    spelled = set(terms(index.spelled(" ".join(sorted(words)), lang))) | words
    return bool(spelled & index.named_terms[passage.id])


def names_every(index: Index, passages: Sequence[Passage], words: set[str], lang: str | None = None) -> bool:
    """Whether each of `words` is named by one of `passages` (see names_any)."""
    return all(any(names_any(index, p, {w}, lang) for p in passages) for w in words)


# Treatments other than ketamine that patients ask about by name (after ALIASES: brand names
# are their class). A question naming one is answered only by a passage that names it:
# "is sertraline safe while breastfeeding" is not answered by the ketamine breastfeeding passage,
# nor "does insurance cover EMDR" by the ketamine insurance one.
OTHER_TREATMENTS = frozenset(terms(
    "emdr cpt mdma psilocybin prazosin tms ect electroconvulsive lithium ssri ssris snri antidepressant "
    "antidepressants benzodiazepine benzodiazepines opioid opioids stimulant stimulants lamotrigine maoi "
    "cannabis naltrexone"))  # not alcohol: "drinking" is read as alcohol ("stop drinking coffee")


# Countries, regions and cities patients ask about by name (stop 33). A question naming one is
# answered only by a passage that names it: "does OHIP pay for ketamine in ontario" is not answered
# by the US insurance passage, nor "is oral ketamine approved in Australia" by the FDA one.
PLACES = frozenset(terms(
    "australia australian canada canadian ontario ohip quebec alberta nhs england scotland wales ireland "
    "zealand uk britain british melbourne sydney toronto vancouver oregon colorado texas california florida "
    "york mexico spain germany france india"))


MUST_NAME = (("other_treatment", OTHER_TREATMENTS), ("place", PLACES))


def must_name(index: Index, message: str, lang: str | None = None) -> dict[str, set[str]]:
    """The treatments other than ketamine and the places a message names, by kind (MUST_NAME):
    a passage that answers it must name each (brand names and misspellings read as the corpus's
    words)."""
    own = set(terms(index.spelled(message, lang)))
    return {kind: own & words for kind, words in MUST_NAME}


def covers(index: Index, passage: Passage, message: str, lang: str | None = None) -> bool:
    """Whether a passage (its heading, `also` phrasings and text) names one of the message's
    own content words, brand names and misspellings read as the corpus's words. True when
    the message has none ("and then?")."""
    own = set(terms(index.spelled(message, lang)))
    return not own or bool(own & index.named_terms[passage.id])


@dataclass
class Candidate:
    passage: Passage
    x: np.ndarray  # features, in decide.FEATURES order
    p: float  # P(this passage answers the question)
    row: int  # row in the index's passage matrix

    def features(self) -> dict[str, float]:
        return {name: round(float(v), 4) for name, v in zip(FEATURES, self.x, strict=True)}


@dataclass
class Match:
    """What matching found for one question: every eligible passage ranked, the ones that answer."""

    candidates: list[Candidate]
    answer: list[Candidate]
    lang: str
    decision: Decision
    suggestions: list[str] = field(default_factory=list)
    confidence: float = 0.0  # P(the best passage answers): the gate's, or the best passage's p without one
    asked_before: float | None = None  # an asked-before question vouched for the best passage (its cosine)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    def hits(self, k: int) -> list[Hit]:
        return [Hit(c.passage, c.p, float(c.x[1]), float(c.x[2])) for c in self.candidates[:k]]


@dataclass
class Index:
    """The active generation as matching needs it in memory."""

    manifest: dict
    passages: list[Passage]
    P: np.ndarray  # passage vectors (n, dim), unit length
    Q: np.ndarray  # question vectors (m, dim), unit length
    q_owner: np.ndarray  # passage row of each question
    q_text: list[str]
    B: object  # passage x vocabulary term presence (heading, also and text), sparse
    BQ: object  # passage x vocabulary term presence (heading and also only), sparse
    vocab: dict[str, int]
    idf: np.ndarray
    chars: object  # fitted character n-gram vectorizer
    CQ: object  # character n-gram vectors of the questions (sparse, unit length)
    collection: object = None
    sec_chars: object = None  # character n-gram vectorizer fitted on whole sections
    CS: object = None  # character n-gram vectors of the sections (sparse, unit length)
    words: list[str] = field(default_factory=list)  # the corpus's words (for misspellings)
    spell: object = None  # character n-gram vectorizer over `words`
    W: object = None  # its vectors of `words`
    spell_by_lang: dict = field(default_factory=dict)  # lang -> (its words, vectorizer, vectors)
    QB: object = None  # question x vocabulary term presence (for `hrec`), sparse
    _spelling: dict = field(default_factory=dict)  # (lang, unknown word) -> its correction (cache)

    def eligible(self, lang: str) -> list[int]:
        """The passages that may answer a question in `lang` (a language the index holds): its
        language's, less the kinds that never answer (NOT_ANSWERS)."""
        return [i for i, p in enumerate(self.passages)
                if p.lang == lang and p.meta.get("source_type") not in NOT_ANSWERS]

    @property
    def corpus_hash(self) -> str:
        return str(self.manifest.get("corpus_hash", ""))

    @cached_property
    def named_terms(self) -> dict[str, frozenset[str]]:
        """Each passage's words (heading, `also` phrasings and text, as terms()), by passage id:
        what `covers`, `names_any` and `names_every` look a message's words up in."""
        return {p.id: frozenset(terms(" ".join([p.section, *p.also, p.text]))) for p in self.passages}

    @cached_property
    def unknown_weight(self) -> float:
        """Weight of a query word the corpus never uses: the median rarity. Informal words
        and typos are common in real questions; as the rarest word they would sink every
        passage."""
        return float(np.median(self.idf)) if len(self.idf) else 1.0

    @property
    def by_key(self) -> dict[str, Passage]:
        """English passages by "doc-id#heading" (a Spanish version shares its English key)."""
        return {p.key: p for p in self.passages if p.lang == "en"}

    def langs(self) -> set[str]:
        return {p.lang for p in self.passages}

    def _rowmax(self, sims: np.ndarray) -> np.ndarray:
        out = np.full(len(self.passages), -1.0)
        np.maximum.at(out, self.q_owner, sims)
        return out

    @cached_property
    def q_weight(self) -> np.ndarray:
        """Each question's total (rarity-weighted) term weight."""
        return np.maximum(self.QB @ self.idf, 1e-9)

    @cached_property
    def known_words(self) -> set[str]:
        return set(self.words)

    def spelled(self, text: str, lang: str | None = None) -> str:
        """The text with brand names read as the corpus's words and each word the corpus
        never uses (4+ letters) replaced by the nearest corpus word of about its length with
        the same first letter, when one is close enough ("insurence" -> "insurance"). The
        nearest word is looked for among the words of the question's own language (`lang`,
        else language(text)) when the corpus has that language: a Spanish word never turns
        an English question's typo into Spanish ("toronto" -> "tonto")."""
        lang = lang or language(text)
        words, spell, W = self.spell_by_lang.get(lang) or (self.words, self.spell, self.W)
        out = [ALIASES.get(w, w) for w in re.findall(r"[a-z0-9]+", fold(text))]
        unknown = sorted({w for w in out if len(w) >= 4 and not w.isdigit() and w not in self.known_words
                          and w not in STOP and (lang, w) not in self._spelling})
        fixes: dict[str, str] = {}  # this text's new corrections (the cache may be full)
        if unknown and spell is not None:
            sims = (W @ spell.transform(unknown).T).toarray()
            for col, w in enumerate(unknown):
                fix = w
                for j in np.argsort(-sims[:, col])[:5]:
                    cand = words[j]
                    if sims[j, col] < SPELL_MIN_SIM:
                        break
                    if cand[0] == w[0] and abs(len(cand) - len(w)) <= 2:
                        fix = cand
                        break
                fixes[w] = fix
                if len(self._spelling) < SPELL_CACHE:
                    self._spelling[(lang, w)] = fix
        return " ".join(fixes.get(w) or self._spelling.get((lang, w), w) for w in out)

    def _lex(self, query: str) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """lex, lexq, known (see decide) and the query's term weights."""
        w = np.zeros(len(self.vocab), dtype=np.float32)
        total = 0.0
        for t in set(terms(query)):
            if t in self.vocab:
                w[self.vocab[t]] = self.idf[self.vocab[t]]
                total += float(self.idf[self.vocab[t]])
            else:  # a word the corpus never uses counts against every passage, as a typical word
                total += self.unknown_weight
        if not total:
            return np.zeros(len(self.passages)), np.zeros(len(self.passages)), 0.0, w
        return (self.B @ w) / total, (self.BQ @ w) / total, float(w.sum()) / total, w

    def features(self, query: str, qvec: np.ndarray, exclude_questions: set[int] | None = None,
                 parts: Sequence[str] = (), part_vecs: np.ndarray | None = None,
                 need: Collection[str] | None = None, lang: str | None = None) -> np.ndarray:
        """The per-passage features (n_passages, len(PER_PASSAGE): FEATURES without the margins) of one
        question against every passage. `parts` are its clauses (clauses()) and `part_vecs`
        their vectors. `exclude_questions` hides question rows (leave-one-out calibration on
        `also` phrasings). Only the features in `need` (default: all) are computed; the
        character n-gram ones cost a few ms, the others are left at 0."""
        n = len(self.passages)
        need = set(FEATURES if need is None else need)
        vecs = np.asarray(qvec, dtype=np.float32).reshape(1, -1)
        if part_vecs is not None and len(part_vecs):
            vecs = np.vstack([vecs, np.asarray(part_vecs, dtype=np.float32)])
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
        qs = self.Q @ vecs.T  # (m, 1 + clauses)
        if exclude_questions:
            qs[list(exclude_questions)] = -1.0
        qsim, qsimc = self._rowmax(qs[:, 0]), self._rowmax(qs.max(axis=1))
        chars = charsc = charp = np.zeros(n)
        if need & {"chars", "charsc"}:
            cs = (self.chars.transform([char_text(t) for t in (query, *parts)]) @ self.CQt).toarray().T  # (m, 1 + clauses)
            if exclude_questions:
                cs[list(exclude_questions)] = 0.0
            chars, charsc = np.maximum(self._rowmax(cs[:, 0]), 0.0), np.maximum(self._rowmax(cs.max(axis=1)), 0.0)
        ps = self.P @ vecs.T
        psim, psimc = ps[:, 0], ps.max(axis=1)
        lex, lexq, _, _ = self._lex(query)
        lexs = lexqs = hrec = np.zeros(n)
        known = 0.0
        if need & {"lexs", "lexqs", "known", "hrec"}:
            lexs, lexqs, known, w = self._lex(self.spelled(query, lang))
            if "hrec" in need and self.QB is not None and self.QB.shape[0]:
                rec = (self.QB @ ((w > 0) * self.idf)) / self.q_weight
                if exclude_questions:
                    rec[list(exclude_questions)] = 0.0
                hrec = np.maximum(self._rowmax(rec), 0.0)
        if "charp" in need and self.CS is not None:
            charp = (self.sec_chars.transform([char_text(query)]) @ self.CSt).toarray().ravel()
        return np.column_stack([qsim, psim, lex, lexq, chars, qsimc, psimc, charsc, charp, lexs, lexqs,
                                np.full(n, known), hrec]).astype(np.float64)

    @cached_property
    def CQt(self):
        return self.CQ.T.tocsr()

    @cached_property
    def CSt(self):
        return self.CS.T.tocsr()


def _unit(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim != 2 or not len(m):
        return m.reshape(0, 0) if not len(m) else m
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def _presence(rows: list[list[int]], width: int):
    """A sparse 0/1 matrix (len(rows), width): which vocabulary terms each row has."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0, *map(len, rows)])
    indices = np.asarray([j for r in rows for j in r], dtype=np.int64)
    return csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(rows), width))


def build_index(manifest: dict, passages: list[Passage], P: np.ndarray, Q: np.ndarray, q_owner: list[int],
                q_text: list[str], collection=None) -> Index:
    """The in-memory index from passages and their stored vectors."""
    from bot.retrieval.charvec import TfidfVectorizer  # scikit-learn's, bit for bit, minus 120 MiB

    vocab: dict[str, int] = {}
    rows, qrows = [], []
    questions: dict[int, list[str]] = {}
    for owner, text in zip(q_owner, q_text, strict=True):
        questions.setdefault(owner, []).append(text)
    for i, p in enumerate(passages):
        qt = set(terms(" ".join(questions.get(i, [p.section]))))
        rows.append(set(terms(embed_text(p))) | qt)
        qrows.append(qt)
        for t in rows[-1]:
            vocab.setdefault(t, len(vocab))
    B = _presence([[vocab[t] for t in r] for r in rows], len(vocab))
    BQ = _presence([[vocab[t] for t in qr] for qr in qrows], len(vocab))
    df = np.asarray(B.sum(axis=0)).ravel()
    idf = np.log(1.0 + len(passages) / np.maximum(df, 1.0)).astype(np.float32)
    def char_ngrams() -> TfidfVectorizer:  # questions and whole sections alike: typos, Spanish
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, strip_accents="unicode",
                               lowercase=True)

    chars = char_ngrams()
    CQ = chars.fit_transform(q_text or [""])
    sections = [" ".join([*questions.get(i, [p.section]), embed_text(p)]) for i, p in enumerate(passages)]
    sec_chars = char_ngrams()
    CS = sec_chars.fit_transform(sections or [""])
    texts_lang = [(text, p.lang) for text, p in zip(sections, passages, strict=True)]
    texts_lang += [(text, passages[owner].lang) for owner, text in zip(q_owner, q_text, strict=True)]
    by_lang: dict[str, set[str]] = {}
    for text, lang in texts_lang:
        by_lang.setdefault(lang, set()).update(w for w in re.findall(r"[a-z0-9]+", fold(text))
                                               if len(w) >= 4 and not w.isdigit())

    def speller(words: list[str]) -> tuple:
        spell = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)) if words else None
        return words, spell, (spell.fit_transform(words) if words else None)

    words, spell, W = speller(sorted(set().union(*by_lang.values())))
    spell_by_lang = {lang: speller(sorted(ws)) for lang, ws in by_lang.items()} if len(by_lang) > 1 else {}
    QB = _presence([[vocab[t] for t in set(terms(text)) if t in vocab] for text in q_text], len(vocab))
    return Index(manifest, passages, _unit(P), _unit(Q), np.asarray(q_owner, dtype=np.int64), list(q_text),
                 B, BQ, vocab, idf, chars, CQ, collection, sec_chars, CS, words, spell, W,
                 spell_by_lang=spell_by_lang, QB=QB)


def load_index(store: Store) -> Index:
    manifest, pas_col, q_col = store.active()
    pas = store.call(fetch_all, pas_col, ["documents", "metadatas", "embeddings"])
    qs = store.call(fetch_all, q_col, ["documents", "metadatas", "embeddings"])
    passages = [from_record(pid, text, meta) for pid, text, meta in
                zip(pas["ids"], pas["documents"], pas["metadatas"], strict=True)]
    row = {p.id: i for i, p in enumerate(passages)}
    keep = [i for i, meta in enumerate(qs["metadatas"]) if meta.get("chunk_id") in row]
    dim = len(pas["embeddings"][0]) if passages else 0
    Q = np.asarray([qs["embeddings"][i] for i in keep], dtype=np.float32).reshape(len(keep), dim)
    return build_index(manifest, passages, np.asarray(pas["embeddings"], dtype=np.float32).reshape(len(passages), dim),
                       Q, [row[qs["metadatas"][i]["chunk_id"]] for i in keep], [qs["documents"][i] for i in keep],
                       pas_col)


def _margin(col: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """How far each passage stands above the best passage of any other document."""
    if not len(col):
        return np.zeros(0)
    best: dict[str, float] = {}
    for d, v in zip(docs.tolist(), col.tolist(), strict=True):
        if v > best.get(d, -np.inf):
            best[d] = v
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    top_doc, top = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0.0
    other = np.where(docs == top_doc, runner, top)
    return np.clip(col - other, -GAP_CLIP, GAP_CLIP)


def feature_matrix(index: Index, query: str, qvec: np.ndarray, eligible: list[int],
                   exclude_questions: set[int] | None = None, parts: Sequence[str] = (),
                   part_vecs: np.ndarray | None = None, need: Collection[str] | None = None,
                   lang: str | None = None) -> np.ndarray:
    """decide.FEATURES for the eligible passages: the per-passage features, then the margins
    (`gap`, `gapc`, `pgap`): how far a passage stands above the best passage of any other
    document (a question the corpus does not cover tends to match several documents about
    equally). `need`, `lang`: as Index.features (`lang` picks the spelling words)."""
    F = index.features(query, qvec, exclude_questions, parts, part_vecs, need, lang)[eligible]
    docs = np.array([index.passages[i].source_id for i in eligible])
    cols = dict(zip(PER_PASSAGE, F.T, strict=True))
    for margin, base in MARGINS.items():
        cols[margin] = _margin(cols[base], docs)
    return np.column_stack([cols[f] for f in FEATURES])


GAP_CLIP = 0.3  # beyond this a question-similarity gap says nothing more
MARGINS = {"gap": "qsim", "gapc": "qsimc", "pgap": "psimc"}  # each margin and the column it is taken over
PER_PASSAGE = tuple(f for f in FEATURES if f not in MARGINS)  # Index.features' columns, in order


def decide(index: Index, query: str, qvec: np.ndarray, decision: Decision, lang: str | None = None,
           exclude_questions: set[int] | None = None, parts: Sequence[str] = (),
           part_vecs: np.ndarray | None = None, shown: str = "", asked: AskedBefore | None = None) -> Match:
    """Rank the eligible passages by P(answers); keep the best if it passes the threshold and
    a second from another document only when it passes too and does not repeat the first.
    Below the threshold the best passage still answers when an asked-before question near this
    one was labelled with it (bot.retrieval.asked).
    For a follow-up, `query` is the condensed query (previous question + follow-up); `parts`
    are its clauses (clauses()) and `part_vecs` their vectors."""
    lang = lang or language(query)
    if lang not in index.langs():
        lang = "en"
    eligible = index.eligible(lang)
    if not eligible:
        return Match([], [], lang, decision)
    X = feature_matrix(index, query, qvec, eligible, exclude_questions, parts, part_vecs, decision.needs, lang)
    probs = decision.prob(X)
    order = np.argsort(-probs, kind="stable")
    cands = [Candidate(index.passages[eligible[j]], X[j], float(probs[j]), eligible[j]) for j in order]
    docs = [c.passage.source_id for c in cands]
    words = len(query.split())
    pool = cands
    ok, confidence = decision.answers(X[order], probs[order], docs, words)
    if shown:
        # a follow-up ("what about for veterans?") wants what the last reply did not show: a
        # passage it did not quote answers if one passes; otherwise the best one, even if shown
        seen = _squash(shown)
        keep = [i for i, c in enumerate(cands) if _squash(c.passage.text) not in seen]
        if keep:
            rows = order[keep]
            fresh_ok, fresh_conf = decision.answers(X[rows], probs[rows], [docs[i] for i in keep], words)
            if fresh_ok:
                pool, ok, confidence = [cands[i] for i in keep], fresh_ok, fresh_conf
    vouched = None
    if not ok and asked is not None and pool:
        vouched = asked.vouches(qvec, pool[0].passage.key)
        ok = vouched is not None
    answer: list[Candidate] = []
    if ok:
        answer.append(pool[0])
        first = pool[0]
        for c in pool[1:]:
            if c.p < decision.second:
                break
            if c.passage.source_id == first.passage.source_id:
                continue
            if float(index.P[c.row] @ index.P[first.row]) >= NEAR_DUPLICATE:
                continue
            answer.append(c)
            break
    # Suggestions follow the decision's own ranking: on the real dev set a right question was
    # among them for 25 of 30 declined answerable questions (19 ranked by question similarity).
    suggestions: list[str] = []
    for c in cands:
        if c.passage.section not in suggestions and c.passage.section.rstrip().endswith("?"):
            suggestions.append(c.passage.section)
        if len(suggestions) >= N_SUGGESTIONS:
            break
    return Match(cands, answer, lang, decision, suggestions, confidence, vouched)


def char_text(text: str) -> str:
    """A question as the character n-grams read it: letters, digits and apostrophes, anything
    else a space. A question mark or a bracket makes rare n-grams ("rk?") with a high idf; kept, they took a
    large share of a short question's vector, so "how does ketamine work?" matched its own
    section far less than "how does ketamine work" did (whole-section similarity 0.12 against
    0.21) and was declined. Only the question is read this way: the fitted texts keep their
    punctuation, so the shipped decision, fitted mostly on unpunctuated questions, still holds."""
    return _NOT_WORD.sub(" ", text)


_NOT_WORD = re.compile(r"[^\w\s'’]|_")  # apostrophes stay: "what's" is in the sections as it is


@lru_cache(maxsize=4096)
def _squash(text: str) -> str:
    """Letters and digits only, for "was this passage already shown?" (each passage once)."""
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


class Retriever:
    """Matches questions against the active index generation. Thread-safe; one per process."""

    def __init__(self, settings: Settings, store: Store | None = None, refresh_seconds: float = 10.0):
        self.settings = settings
        self.store = store or Store(settings)
        self.refresh_seconds = refresh_seconds
        self._index: Index | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.stale = False  # the last look at the store failed; answers come from the loaded index
        self._asked: AskedBefore | None = None
        self._asked_loaded = False

    def asked_before(self) -> AskedBefore | None:
        """The asked-before questions (bot.retrieval.asked), loaded once; None when they cannot
        be read (the decision alone then decides, as before they existed)."""
        with self._lock:
            if not self._asked_loaded:
                self._asked_loaded = True
                try:
                    emb = self.settings.get_embedder()
                    self._asked = asked_mod.load(embedder_name(emb), emb.encode)
                except Exception as exc:  # noqa: BLE001 - answering works without the memory
                    log.warning("asked-before questions unavailable (%s)", type(exc).__name__)
                    self._asked = None
            return self._asked

    def use_asked_before(self, memory: AskedBefore | None) -> None:
        """Replace the memory (an evaluation that leaves a set's own questions out; None: off)."""
        with self._lock:
            self._asked, self._asked_loaded = memory, True

    @property
    def decision(self) -> Decision:
        d = calibrated()
        if self.settings.min_relevance is not None:  # an operator's override of the threshold
            d = d.with_threshold(self.settings.min_relevance, "BOT_MIN_RELEVANCE")
        return d

    def index(self) -> Index:
        now = time.monotonic()
        with self._lock:
            if self._index is None:
                self._index = load_index(self.store)
                self._checked = now
            elif now - self._checked > self.refresh_seconds:
                self._checked = now
                try:
                    manifest = self.store.require_manifest()
                    if manifest.get("generation") != self._index.manifest.get("generation"):
                        self._index = load_index(self.store)
                except StoreUnavailable:
                    # The loaded generation is vetted and complete in memory: keep answering from
                    # it while the store is unreachable (or mid-flip), and look again next time.
                    # Only an instance that never loaded an index says answers are unavailable.
                    self.stale = True
                else:
                    self.stale = False
            return self._index

    def match(self, query: str, qvec: np.ndarray, lang: str | None = None,
              embed: Callable[[list[str]], np.ndarray] | None = None, shown: str = "",
              vouch: bool = True) -> Match:
        """Every eligible passage ranked for the question, and the ones that answer it.
        `embed` encodes a run-on question's clauses (one batch, at most MAX_CLAUSES) when the
        decision weighs a clause feature; without it the clauses count by characters only.
        `vouch=False` leaves the asked-before questions out (a condensed follow-up, whose vector
        is mostly the previous question's: "does ketamine help ptsd" + "how many sessions"
        found the research passage)."""
        try:
            index = self.index()
        except StoreUnavailable:
            # The generation may have been replaced under us by an ingest elsewhere: follow the
            # manifest once before saying answers are unavailable.
            with self._lock:
                self._index = None
            index = self.index()
        decision = self.decision
        parts = clauses(query)
        part_vecs = None
        if parts and embed is not None and set(decision.features) & set(CLAUSE_VECTOR_FEATURES):
            try:
                part_vecs = np.asarray(embed(parts), dtype=np.float32)
            except Exception:  # noqa: BLE001 - the whole question's vector is enough to answer
                part_vecs = None
        return decide(index, query, qvec, decision, lang, parts=parts, part_vecs=part_vecs, shown=shown,
                      asked=self.asked_before() if vouch else None)

    def search(self, query: str, qvec: np.ndarray, k: int | None = None) -> tuple[list[Hit], float]:
        """Top passages as Hits (score = P(answers)) and the best probability."""
        m = self.match(query, qvec)
        return m.hits(k or self.settings.top_k), (m.best.p if m.best else 0.0)


def calibrated_min_relevance() -> float:
    """The calibrated decision threshold (Settings.relevance_floor): the gate's when there is one."""
    d = calibrated()
    return d.gate.threshold if d.gate is not None else d.threshold


def idf_of(index: Index, word: str) -> float:
    """Rarity of a word in the corpus (for tests and diagnostics)."""
    i = index.vocab.get(stem(fold(word)))
    return float(index.idf[i]) if i is not None else math.inf
