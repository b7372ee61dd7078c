"""Text normalisation for the safety screen's rule layer.

`normalize(text)` turns what a person typed into one canonical, lower-case,
accent-free, apostrophe-free form so that a small table of regular expressions in
bot.safety.screen can match the many ways people write the same thing:

- Unicode NFKC (full-width letters, ligatures, fancy digits), then combining marks
  and zero-width / bidi / other invisible characters are removed; curly quotes and
  dashes become plain ones.
- Leetspeak inside words: k1ll -> kill, 5uicide -> suicide, d!e -> die, $elf -> self.
  Plain numbers and number+unit tokens (2021, 10mg, 4am, 988) are left alone.
- Elongation: three or more repeats collapse ("soooo" -> "so", "killlll" -> "kill",
  "pleeease" -> "please"), using a small vocabulary to choose one or two letters.
- Missing or present apostrophes and contractions become full words: "dont", "don't"
  -> "do not"; "im", "i'm" -> "i am"; "cant" -> "cannot"; "wanna" -> "want to".
- Chat abbreviations and slang: u -> you, rn -> right now, kms -> kill myself,
  "unalive myself" -> "kill myself", od -> overdose, idk, pls, ...
- Common misspellings of the words the screen depends on: sucide, suicde, suicdal,
  sucidal, overdoes, ketamin, esketamin, ...

Nothing here decides anything; it only rewrites. The function is pure; it keeps no copy
of the text (the screen caches analyses by a hash, never by the text itself).
"""

from __future__ import annotations

import re
import unicodedata

# Invisible or formatting characters people paste (zero-width, bidi marks, soft hyphen, BOM).
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufe00-\ufe0f]"
)
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00bf": " ",
        "\u00a1": " ",
        "\u2026": "...",
    }
)

# Leetspeak substitutions applied only inside tokens that also contain letters.
_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
}
_UNIT_TOKEN = re.compile(
    r"^\d+(?:[.,]\d+)?(?:mg|mcg|ug|g|kg|ml|l|cc|iu|am|pm|x|s|th|st|nd|rd|k|m|h|hr|hrs|min|mins|d|yo|yr|yrs|lb|lbs|ft|mi|km|cm|mm|ish)?$"
)
_TOKEN = re.compile(r"[a-z0-9@$!|]+")
# Words whose doubled letter is real; used to decide how far to collapse elongation.
_DOUBLE_OK = frozenset(
    (
        "kill killing killed killer feel feeling feels need needs too see seem soon sleep sleeping "
        "still all will well good goodbye bleed bleeding free tree off stuff tall tallest fall call "
        "pill pills hell tell small full hopeless worthless useless pointless endless less mess "
        "press stress ass miss pass passed class cross loss boss yes door floor poor room food mood "
        "cool school tool pool fool look book took cook week keep deep sweet meet street three agree "
        "coffee apple little bottle cutting hitting sitting getting letting putting better letter "
        "matter butter bigger happy sorry worry hurry carry marry really totally finally actually "
        "usually literally seriously honestly occasionally terrible horrible possible impossible add "
        "odd egg inn err buzz jazz fizz yell smell spell sell shall wall ball doll roll bill fill "
        "hill mill till skill spill chill thrill grill ill dull pull bull troll poll toll scroll "
        "stroll wee bee fee glee flee knee zoom boom moon noon spoon bloom doom gloom groom"
    ).split()
)
_ELONG = re.compile(r"([a-z])\1{2,}")

# Contractions and missing apostrophes. Keys are matched as whole words after apostrophes
# have been removed ("don't" -> "dont"), so both spellings land here.
_WORDS = {
    "im": "i am",
    "ive": "i have",
    "ima": "i am going to",
    "imma": "i am going to",
    "iam": "i am",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "cannot",
    "couldnt": "could not",
    "wont": "will not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "aint": "am not",
    "youre": "you are",
    "youve": "you have",
    "youll": "you will",
    "youd": "you would",
    "theyre": "they are",
    "theyll": "they will",
    "shell": "shell",
    "hell": "hell",
    "itll": "it will",
    "thatll": "that will",
    "theyd": "they would",
    "shed": "shed",
    "hed": "hed",
    "theyve": "they have",
    "hes": "he is",
    "shes": "she is",
    "its": "it is",
    "thats": "that is",
    "whats": "what is",
    "wheres": "where is",
    "whos": "who is",
    "hows": "how is",
    "theres": "there is",
    "lets": "let us",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "gona": "going to",
    "gotta": "got to",
    "hafta": "have to",
    "kinda": "kind of",
    "sorta": "sort of",
    "outta": "out of",
    "lemme": "let me",
    "gimme": "give me",
    "dunno": "do not know",
    "u": "you",
    "ur": "your",
    "r": "are",
    "n": "and",
    "pls": "please",
    "plz": "please",
    "plez": "please",
    "thx": "thanks",
    "ty": "thanks",
    "rn": "right now",
    "atm": "at the moment",
    "tn": "tonight",
    "tonite": "tonight",
    "2nite": "tonight",
    "2night": "tonight",
    "2day": "today",
    "2moro": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "idk": "i do not know",
    "idc": "i do not care",
    "idgaf": "i do not care",
    "imo": "in my opinion",
    "tbh": "to be honest",
    "ngl": "not going to lie",
    "fr": "for real",
    "bc": "because",
    "b/c": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "bcuz": "because",
    "abt": "about",
    "w/": "with",
    "w/o": "without",
    "ppl": "people",
    "sb": "somebody",
    "smth": "something",
    "sth": "something",
    "smthng": "something",
    "evry1": "everyone",
    "every1": "everyone",
    "some1": "someone",
    "any1": "anyone",
    "no1": "no one",
    "noone": "no one",
    "nobody": "no one",
    "b4": "before",
    "l8r": "later",
    "gr8": "great",
    "h8": "hate",
    "nvm": "never mind",
    # more texting slang
    "finna": "going to",
    "bouta": "about to",
    "boutta": "about to",
    "tryna": "trying to",
    "ded": "dead",
    "dieing": "dying",
    "ily": "i love you",
    "ilysm": "i love you so much",
    "istg": "i swear to god",
    "tonights": "tonight is",
    "cya": "see you",
    "gn": "goodnight",
    "kll": "kill",
    "ki11": "kill",
    "wud": "would",
    "wld": "would",
    "cud": "could",
    "shud": "should",
    "wat": "what",
    "wats": "whats",
    "wut": "what",
    "beter": "better",
    "bettr": "better",
    "w/out": "without",
    # Spanish texting
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "tmb": "tambien",
    "kiero": "quiero",
    "qiero": "quiero",
    "aki": "aqui",
    "toy": "estoy",
    "ntp": "no te preocupes",
    "nevermind": "never mind",
    "jk": "just kidding",
    "dr": "doctor",
    "doc": "doctor",
    "meds": "medication",
    "med": "medication",
    "medicine": "medication",
    "medications": "medication",
    "pdoc": "psychiatrist",
    "rx": "prescription",
    "prescrip": "prescription",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "hubby": "husband",
    "mum": "mom",
    "mom's": "mom",
    "ptsd's": "ptsd",
    "c-ptsd": "cptsd",
    "kms": "kill myself",
    "kmn": "kill myself now",
    "kmsl": "kill myself",  # rarely also "laughing"; treated as the safer reading
    "kys": "kill yourself",
    "sh": "self harm",
    "selfharm": "self harm",
    "self-harm": "self harm",
    "selfharming": "self harming",
    "self-harming": "self harming",
    "suicidality": "suicidal thoughts",
    "od": "overdose",
    "oded": "overdosed",
    "ods": "overdoses",
    "oding": "overdosing",
    "o.d.": "overdose",
    "o.d": "overdose",
    "ket": "ketamine",
    "k-hole": "k hole",
    "khole": "k hole",
    "spravato's": "spravato",
    # misspellings of the words the rules depend on
    "sucide": "suicide",
    "suicde": "suicide",
    "suiside": "suicide",
    "suiscide": "suicide",
    "sueside": "suicide",
    "suicid": "suicide",
    "suicie": "suicide",
    "siucide": "suicide",
    "sucicide": "suicide",
    "suecide": "suicide",
    "suicdie": "suicide",
    "suicidee": "suicide",
    "suicidle": "suicide",
    "suiciding": "suicide",
    "suicdal": "suicidal",
    "sucidal": "suicidal",
    "suicial": "suicidal",
    "suicidial": "suicidal",
    "suisidal": "suicidal",
    "suiscidal": "suicidal",
    "suicidel": "suicidal",
    "sucicidal": "suicidal",
    "suicida1": "suicidal",
    "suecidal": "suicidal",
    "suicadal": "suicidal",
    "sucidial": "suicidal",
    "unalive": "kill",
    "unaliving": "killing",
    "unalived": "killed",
    "un-alive": "kill",
    "sewerslide": "suicide",
    "sewer-slide": "suicide",
    "overdoes": "overdose",
    "overdoese": "overdose",
    "overdos": "overdose",
    "ovedose": "overdose",
    "overdoze": "overdose",
    "overdosse": "overdose",
    "overdoseing": "overdosing",
    "lethel": "lethal",
    "leathal": "lethal",
    "lethial": "lethal",
    "ketamin": "ketamine",
    "ketamene": "ketamine",
    "ketamime": "ketamine",
    "ketermine": "ketamine",
    "katamine": "ketamine",
    "ketemine": "ketamine",
    "ketimine": "ketamine",
    "esketamin": "esketamine",
    "spravado": "spravato",
    "sprovato": "spravato",
    "spravatto": "spravato",
    "dissasociation": "dissociation",
    "disassociation": "dissociation",
    "disociation": "dissociation",
    "dissociaton": "dissociation",
    "disassociated": "dissociated",
    "disassociating": "dissociating",
    "dissasociated": "dissociated",
    "disociated": "dissociated",
    "infussion": "infusion",
    "infution": "infusion",
    "perscription": "prescription",
    "prescribtion": "prescription",
    "presciption": "prescription",
    "perscribed": "prescribed",
    "anxeity": "anxiety",
    "anxiaty": "anxiety",
    "depresion": "depression",
    "depressd": "depressed",
    "depresed": "depressed",
    "hopless": "hopeless",
    "worthles": "worthless",
    "myslef": "myself",
    "mysefl": "myself",
    "myelf": "myself",
    "meself": "myself",
    "mysef": "myself",
    "mysself": "myself",
    "killl": "kill",
    "kil": "kill",
    "kiling": "killing",
    "wnat": "want",
    "lyfe": "life",
    "lif": "life",
    "rlly": "really",
    "rly": "really",
    "diee": "die",
    "dieee": "die",
    "thinkin": "thinking",
    "endin": "ending",
    "feelin": "feeling",
    "tryin": "trying",
    "goin": "going",
    "doin": "doing",
    "nothin": "nothing",
    "somethin": "something",
    "killin": "killing",
    "dyin": "dying",
    "cuttin": "cutting",
    "hurtin": "hurting",
    "cryin": "crying",
    "gettin": "getting",
    "wantin": "wanting",
    "livin": "living",
    "bout": "about",
    "wnt": "want",
    "wan": "want",
    "brething": "breathing",
    "becuase": "because",
    "beacuse": "because",
    "tonigth": "tonight",
    "tonihgt": "tonight",
    "anymroe": "anymore",
    "anymor": "anymore",
    "enuf": "enough",
    "nite": "night",
    "pils": "pills",
    "pilss": "pills",
    "bridgess": "bridges",
    "seizur": "seizure",
    "siezure": "seizure",
    "seizzure": "seizure",
    "unconcious": "unconscious",
    "unconsious": "unconscious",
    "hallucinting": "hallucinating",
    "headach": "headache",
    "hedache": "headache",
    "vomitting": "vomiting",
    "vommiting": "vomiting",
    "puking": "vomiting",
}
# Multi-word phrases rewritten before single words (order matters: longest first).
_PHRASES = [
    (
        r"\bun[\s-]?alive\b(?! (?:myself|me|him|her|them|you|yourself|someone|people|everyone)\b)",
        "kill myself",
    ),
    (
        r"\bun[\s-]?aliving\b(?! (?:myself|me|him|her|them|you|yourself|someone|people|everyone)\b)",
        "killing myself",
    ),
    (r"\bun[\s-]?alive\b", "kill"),
    (r"\bun[\s-]?aliving\b", "killing"),
    (r"\bsewer[\s-]?slide\b", "suicide"),
    # "ill kill her" typed without the apostrophe: "i will" only before a verb ("I feel ill" stays)
    (r"(?:^|(?<=\s))ill (?=(?:kill|hurt|shoot|stab|murder|strangle|choke|end|do|be|go|take|make|never|just|"
     r"probably|definitely|finally|jump|die|cut|overdose|become|get|relapse|lose|need|have|feel|ever|always|"
     r"still|start|stop|try|wake|fail|want|see|tell|call|leave|miss|regret|freak|panic|say|ask|look|"
     r"wait|keep|end up|turn|give|find|think|know|let|hate|use|drink|smoke|sleep|eat|drive|pass out)\b)",
     "i will "),
    (r"\bself[\s-]+harm", "self harm"),
    (r"\bself[\s-]+injur", "self injur"),
    (r"\bkill\s+my\s+self\b", "kill myself"),
    (r"\bmy\s+self\b", "myself"),
    (r"\bover[\s-]+dos", "overdos"),
    (r"\bk[\s-]+hole\b", "k hole"),
    (r"\bc[\s-]+ptsd\b", "cptsd"),
    (r"\bspecial\s+k\b", "ketamine"),
    (r"\bvitamin\s+k\b(?!\s*(?:shot|injection|deficien|level|rich|food|2|1))", "ketamine"),
    (
        r"\b(want|wanna|going|need|have|ready|trying|try|about|how|like|deserve|wish) 2\b(?= [a-z])",
        r"\1 to",
    ),
    (r"\bsui ?cid(e|al)\b", r"suicid\1"),
    (r"\b(want to|wanna|to|will|gonna|cannot|can|wont|dont wanna|not) b\b(?= [a-z])", r"\1 be"),
    (
        r"\b(life|it|that|there|what|he|she|who|where|everything|nothing|this|everyone|nobody)'s\b",
        r"\1 is",
    ),
    (r"\bcan\s*not\b", "cannot"),
    (r"\bcan'?t\b", "cannot"),
    (r"\bcould'?nt\b", "could not"),
    (r"\bwon'?t\b", "will not"),
    (r"\b(\w+)n't\b", r"\1 not"),
    (r"\b(\w+)'ll\b", r"\1 will"),
    (r"\b(\w+)'re\b", r"\1 are"),
    (r"\b(\w+)'ve\b", r"\1 have"),
    (r"\b(i|he|she|they|we|you|it|that|who|there)'d\b", r"\1 would"),
    (r"\bthrowing\s+up\b", "vomiting"),
    (r"\bthrew\s+up\b", "vomited"),
    (r"\bthrow\s+up\b", "vomit"),
    (r"\bpuk(?:e|ed|ing)\b", "vomiting"),
    (r"\bany\s+more\b", "anymore"),
    (r"\bno\s+body\b", "no one"),
    (r"\bevery\s+one\b", "everyone"),
    (r"\bsome\s+one\b", "someone"),
    (r"\bto\s+night\b", "tonight"),
    (r"\bo\.\s?d\.?(?=\s|$)", "overdose"),
    (r"\bod'd\b", "overdosed"),
    (r"\bod'?ing\b", "overdosing"),
]
_PHRASES_RE = [(re.compile(p), r) for p, r in _PHRASES]

# A very small bit of Spanish: accents are stripped below, so "daño" -> "dano".
_SPACES = re.compile(r"\s+")
# emoji and other symbols become spaces; letters, digits, basic punctuation and leet chars stay
_SYMBOLS = re.compile(r"[^\w\s'\".,;:?!\-/@$|%+&#]|_")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


# Words people disguise with digits; a de-leeted token is kept if it lands here, or if every
# digit sat between letters ("k1ll", "mys3lf"). Otherwise "ld50", "mp3", "b12" stay as they are.
_LEET_VOCAB = frozenset(
    "kill kil killing die dying dead death suicide suicidal sui cide myself self want wanna to end life "
    "live alive help me hate cut cutting harm hurt overdose pills gonna going it all now tonight i am im "
    "my kms kys unalive sad done bridge jump hang noose gun shoot leave exist sleep forever wake up no "
    "not never please ketamine the a of and you so be is death die".split()
)


# Words people blank letters out of with asterisks ("s*icide", "k*ll myself").
_CENSOR_VOCAB = frozenset(
    "kill killing die dying dead death suicide suicidal myself overdose hang hanging shoot cut cutting "
    "harm hurt fuck fucking shit".split()
)


def _deleet(token: str) -> str:
    if token.isalpha() or not any(c.isalpha() for c in token):
        return token
    if _UNIT_TOKEN.match(token):
        return token
    converted = _deleet_chars(token)
    if converted in _LEET_VOCAB:
        return converted
    interior = all(
        0 < i < len(token) - 1 and token[i - 1].isalpha() and token[i + 1].isalpha()
        for i, ch in enumerate(token)
        if ch in _LEET and ch not in "!|"
    )
    return converted if interior else token


def _deleet_chars(token: str) -> str:
    # "ki11" -> "kill": a run of 1s after a letter that usually doubles
    token = re.sub(r"(?<=[a-z])11(?=[a-z]|$)", "ll", token)
    out = []
    for i, ch in enumerate(token):
        if ch in _LEET:
            # '!' and '|' only count as 'i' inside a word, not as trailing punctuation
            if ch in "!|" and (i == 0 or i == len(token) - 1):
                continue
            out.append(_LEET[ch])
        else:
            out.append(ch)
    return "".join(out)


def _unelongate(token: str) -> str:
    if not _ELONG.search(token):
        return token
    two = _ELONG.sub(r"\1\1", token)
    one = _ELONG.sub(r"\1", token)
    if two in _DOUBLE_OK or two in _WORDS:
        return two
    if one in _WORDS:
        return one
    # default: a single letter ("soooo" -> "so", "pleeease" -> "please", "diiie" -> "die")
    # unless the single form still contains a known doubled word root ("killlll")
    for root in (
        "kill",
        "pill",
        "sleep",
        "feel",
        "need",
        "bleed",
        "still",
        "goodbye",
        "all",
        "tall",
    ):
        if root in two and root not in one:
            return _ELONG.sub(lambda m, r=root: m.group(1) * (2 if m.group(1) in r else 1), token)
    return one


# Misspellings one or two edits away from the words the screen depends on most
# ("suiciddal", "sucidial", "overdosse") are pulled to the word. Short words are left alone.
_FUZZY_TARGETS = (
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "overdosing",
    "ketamine",
    "esketamine",
    "spravato",
    "dissociated",
    "dissociation",
    "infusion",
    "lethal",
    "myself",
)


def _edit_distance(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        best = i
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


# Real words (mostly Spanish) that sit one edit from a target and must stay as they are.
_FUZZY_KEEP = frozenset(
    "suicida suicidas suicidar suicidio suicidios suicidarme suicidarse suicidate ketamina esketamina "
    "infusion infusiones letal letales myself overdoses suicides ketamines lethally suicidally".split()
)


_FUZZY_BY_LETTER: dict[str, tuple[str, ...]] = {}
for _t in _FUZZY_TARGETS:
    _FUZZY_BY_LETTER[_t[0]] = _FUZZY_BY_LETTER.get(_t[0], ()) + (_t,)


def _fuzzy(word: str) -> str:
    if len(word) < 6 or not word.isalpha() or word in _FUZZY_TARGETS or word in _FUZZY_KEEP:
        return word
    for target in _FUZZY_BY_LETTER.get(word[0], ()):
        limit = 2 if len(target) >= 9 else 1
        if _edit_distance(word, target, limit) <= limit:
            # keep real inflections: "infusions", "myselfs" would be odd, "overdoses" is a plural
            if word.startswith(target) or target.startswith(word):
                return word if len(word) > len(target) else target
            return target
    return word


_EXPANSIONS = frozenset(_WORDS.values())


_CENSORED = re.compile(r"(?<![a-z*])[a-z]+\*[a-z*]*|(?<![a-z*])\*+[a-z]+[a-z*]*")


def _uncensor(match: re.Match[str]) -> str:
    """'s*icide' -> 'suicide', 'k*ll' -> 'kill': a word with asterisks standing for letters is
    read as the one screen-vocabulary word it fits (left alone when none or several fit)."""
    token = match.group(0)
    if sum(c.isalpha() for c in token) < 2:
        return token
    stars = re.compile(r"[*]+")
    pattern = re.compile(
        "^" + stars.sub(lambda m: f"[a-z]{{1,{len(m.group(0)) + 1}}}", token) + "$"
    )
    fits = sorted(w for w in _CENSOR_VOCAB if pattern.match(w))
    return fits[0] if len(fits) == 1 else token


def normalize(text: str) -> str:
    """Canonical form of `text` for rule matching (see module docstring)."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = _INVISIBLE.sub("", s)
    s = s.translate(_QUOTES)
    s = s.lower()
    s = _strip_marks(s)
    if "*" in s:
        s = _CENSORED.sub(_uncensor, s)
    # emoji and other symbols become spaces; keep letters, digits, basic punctuation, leet chars
    s = _SYMBOLS.sub(" ", s)
    # hyphens inside words become spaces: "self-harm" -> "self harm", "sci-fi" -> "sci fi"
    s = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", s)
    # words split by single separators: "s.u.i.c.i.d.e", "k i l l" are handled by the rules'
    # tolerance; here join letters separated by dots when the whole token is spelled that way
    s = re.sub(r"\b(?:[a-z][.\-*_]){3,}[a-z]\b", lambda m: re.sub(r"[.\-*_]", "", m.group(0)), s)
    # "s u i c i d e", "k i l l": five or more single letters in a row are one word
    s = re.sub(r"(?<![a-z])(?:[a-z] ){4,}[a-z](?![a-z])", lambda m: m.group(0).replace(" ", ""), s)
    tokens = []
    for raw in re.split(r"(\s+)", s):
        if not raw or raw.isspace():
            tokens.append(" ")
            continue
        # split trailing/leading punctuation (keep leet chars inside words)
        m = re.match(r"^([\"'.,;:?()\-/]*)(.*?)([\"'.,;:?!()\-]*)$", raw)
        lead, core, tail = m.groups() if m else ("", raw, "")
        if core not in _WORDS and _TOKEN.fullmatch(core.replace("'", "")):
            core = _deleet(core)
        core = _unelongate(core)
        tokens.append(f"{lead} {core} {tail}" if (lead or tail) else core)
    s = "".join(tokens)
    for pattern, repl in _PHRASES_RE:
        s = pattern.sub(repl, s)
    s = s.replace("'", "")
    words = []
    for word in s.split():
        word = _WORDS.get(word, word)
        if word not in _EXPANSIONS:
            word = _fuzzy(word)
        words.append(word)
    s = " ".join(words)
    # second pass for expansions that produced new phrases ("kms" -> "kill myself")
    s = re.sub(r"\bkill\s+my\s+self\b", "kill myself", s)
    s = _SPACES.sub(" ", s).strip()
    return s


def tokens(norm: str) -> list[str]:
    """Word tokens of an already-normalised string."""
    return re.findall(r"[a-z0-9]+", norm)
