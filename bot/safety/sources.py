"""Readers for the crisis training folders described in ../shared/data/crisis/DATA.md.

Used only by training and the blind evaluation (evals/train_guard.py); the app never imports
this module and never needs the data. Each reader yields ``Example`` rows holding the text,
the class it maps to (crisis / harm_others / support / safe), the source folder name (the
blind-evaluation group), the language and the source's own label (for the model card).

The label mappings follow DATA.md's suggestions; where DATA.md says "review" and no row was
reviewed, the ambiguous rows are dropped rather than guessed (see MODEL_CARD.md).
Nothing read here is ever written into the repository.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLASSES = ("safe", "support", "crisis", "harm_others")
MAX_WORDS = 180  # long posts are cut to their first words (MiniLM reads ~256 word pieces)
TEAM = "team_written"  # the team's own exemplars: trained on, never a blind source

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # one of CLASSES
    source: str  # DATA.md folder name, or TEAM
    lang: str  # "en" or "es"
    original: str  # the source's own label, for the counts in the model card


def cap_words(text: str, n: int = MAX_WORDS) -> str:
    words = text.split()
    return " ".join(words[:n])


def norm_key(text: str) -> str:
    """The key used for exact-duplicate removal: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-záéíóúñü]+", " ", text.lower()).strip()


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _runs(key: str, n: int = 8) -> set[int]:
    words = key.split()
    return {hash(" ".join(words[i : i + n])) for i in range(len(words) - n + 1)}


# ---------------------------------------------------------------------------------------
def suicidal_data_aminu(root: Path) -> Iterator[Example]:
    with open(root / "suicidal_data.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = {"1": "crisis", "0": "safe"}.get(row["label"].strip())
            if label:
                yield Example(row["tweet"], label, "suicidal_data_aminu", "en", row["label"])


def _posts(cell: str) -> list[str]:
    try:
        posts = ast.literal_eval(cell)
        if isinstance(posts, list):
            return [str(p) for p in posts]
    except (ValueError, SyntaxError):
        pass
    # truncated cells (DATA.md: 28 of them): split the list literal leniently
    body = cell.strip().lstrip("[")
    return [p for p in re.split(r"""['"],\s*['"]""", body) if p.strip()]


CSSRS_MAP = {"Supportive": "safe", "Indicator": "support", "Ideation": "crisis",
             "Behavior": "crisis", "Attempt": "crisis"}
CSSRS_POSTS_PER_USER = 3  # labels are per user: only the user's first few posts are used


def cssrs_reddit500(root: Path) -> Iterator[Example]:
    with open(root / "500_Reddit_users_posts_labels.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = CSSRS_MAP.get(row["Label"].strip())
            if not label:
                continue
            for post in _posts(row["Post"])[:CSSRS_POSTS_PER_USER]:
                post = post.strip().strip("'\"")
                if len(post.split()) >= 3:
                    yield Example(post, label, "cssrs_reddit500", "en", row["Label"].strip())


def sdcnl(root: Path) -> Iterator[Example]:
    with open(root / "combined-set.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            label = {"1": "crisis", "0": "support"}.get(row["is_suicide"].strip())
            text = f"{row['title'].strip()}. {row['selftext'].strip()}".strip(". ")
            if label and text:
                yield Example(text, label, "sdcnl", "en", row["is_suicide"])


def telegram_threats(root: Path) -> Iterator[Example]:
    rows = json.loads((root / "Labeled_15076.json").read_text(encoding="utf-8"))
    for row in rows:
        label = {2: "harm_others", 1: "safe", 0: "safe"}.get(int(row["Label"]))
        text = str(row.get("reply") or "").strip()
        if label and text:
            yield Example(text, label, "telegram_threats", "en", str(row["Label"]))


YOUTUBE_SAFE_EVERY = 3  # label-0 sentences: every third one (27k near-identical-topic lines)


def youtube_threat(root: Path) -> Iterator[Example]:
    n0 = 0
    with open(root / "VideoCommentsThreatCorpus.txt", encoding="utf-8") as fh:
        for line in fh:
            if "\t" not in line or line.startswith("Video #"):
                continue
            lab, _, text = line.rstrip("\n").partition("\t")
            lab = lab.strip()
            # 3 = incitement ("fight back"): DATA.md says review; not reviewed, so left out
            label = {"1": "harm_others", "2": "safe", "0": "safe"}.get(lab)
            if not label or len(text.split()) < 3:
                continue
            if lab == "0":
                n0 += 1
                if n0 % YOUTUBE_SAFE_EVERY:
                    continue
            yield Example(text.strip(), label, "youtube_threat", "en", lab)


def counsel_chat(root: Path) -> Iterator[Example]:
    seen: set[str] = set()
    with open(root / "20200325_counsel_chat.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            qid = row["questionID"]
            if qid in seen:
                continue
            seen.add(qid)
            # the self-harm topic holds a few crisis questions; unreviewed, so left out
            if row["topic"].strip() == "self-harm":
                continue
            text = f"{row['questionTitle'].strip()} {row['questionText'].strip()}".strip()
            if text:
                yield Example(text, "support", "counsel_chat", "en", row["topic"])


# self-directed hyperbole among the negatives ("me mato", "quiero suicidarme por ...")
_ES_SELF = re.compile(r"\b(?:me mato|matarme|suicid|me quiero morir|quiero morir|morirme)")


def mexa3t_es(root: Path) -> Iterator[Example]:
    for name in ("train.tsv", "dev.tsv"):
        with open(root / name, encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 4:
                    continue
                lab, text = parts[1].strip(), "\t".join(parts[3:]).strip()
                if lab not in ("0", "1") or not text:
                    continue
                if _ES_SELF.search(text.lower()):  # DATA.md: needs relabelling; unreviewed, dropped
                    continue
                yield Example(text, "safe", "mexa3t_es", "es", lab)


def emoevent(root: Path) -> Iterator[Example]:
    for name, lang in (("emoevent_es.csv", "es"), ("emoevent_en.csv", "en")):
        with open(root / name, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                text = (row.get("tweet") or "").strip()
                if text:
                    yield Example(text, "safe", "emoevent", lang, row.get("emotion") or "")


def spanish_suicide_es(root: Path) -> Iterator[Example]:
    with open(root / "suicidio_notacion.filtered.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):  # `frase` (the search phrase) is never read
            label = {"1": "crisis", "0": "safe"}.get(row["suicidio"].strip())
            text = row["tweet_clean"].strip()
            if label and text:
                yield Example(text, label, "spanish_suicide_es", "es", row["suicidio"])


READERS = {
    "suicidal_data_aminu": suicidal_data_aminu,
    "cssrs_reddit500": cssrs_reddit500,
    "sdcnl": sdcnl,
    "telegram_threats": telegram_threats,
    "youtube_threat": youtube_threat,
    "counsel_chat": counsel_chat,
    "mexa3t_es": mexa3t_es,
    "emoevent": emoevent,
    "spanish_suicide_es": spanish_suicide_es,
}

# Licence per DATA.md (for the model card)
LICENCES = {
    "suicidal_data_aminu": "no licence file found",
    "cssrs_reddit500": "repo MIT (code); upstream Zenodo data noted CC BY, unverified",
    "sdcnl": "no licence file found",
    "telegram_threats": "CC BY 4.0 per README (no LICENSE file)",
    "youtube_threat": "no licence file found",
    "counsel_chat": "MIT (repo); scraped text, rights unclear",
    "mexa3t_es": "no licence file found (organiser data re-hosted)",
    "emoevent": "no licence file found; citation requested",
    "spanish_suicide_es": "no licence file found; citation requested",
}


def team_written(path: Path) -> Iterator[Example]:
    """The team's exemplars (bot/safety/data/guard_exemplars.jsonl): crisis stays crisis,
    clinic/boundary/out_of_scope/safe are all "safe" for this classifier."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                label = row["label"] if row["label"] in CLASSES else "safe"
                yield Example(row["text"], label, TEAM, row.get("lang", "en"), row["label"])


def load_all(root: Path, team_path: Path | None = None) -> tuple[list[Example], dict]:
    """Every source, capped to MAX_WORDS, deduplicated within and across sources.

    Within a source, a text seen twice is kept once (dropped entirely when its copies carry
    different classes). Across sources, a text (normalised key, or the same first 8 words,
    8-word run, DATA.md's shared-Reddit warning) already seen in an earlier source is dropped from the
    later one, so no text straddles a blind split."""
    stats: dict = {"raw": {}, "kept": {}, "dup_within": {}, "conflict": {}, "dup_across": {}}
    out: list[Example] = []
    seen_key: dict[str, str] = {}
    seen_run: dict[int, str] = {}
    names = list(READERS)
    for name in names:
        folder = root / name
        if not folder.is_dir():
            continue
        rows = [Example(cap_words(e.text), e.label, e.source, e.lang, e.original)
                for e in READERS[name](folder)]
        stats["raw"][name] = len(rows)
        by_key: dict[str, list[Example]] = {}
        for e in rows:
            by_key.setdefault(norm_key(e.text), []).append(e)
        within = conflict = across = 0
        for key, group in by_key.items():
            if not key:
                continue
            within += len(group) - 1
            if len({e.label for e in group}) > 1:
                conflict += 1
                continue
            if key in seen_key and seen_key[key] != name:
                across += 1
                continue
            runs = _runs(key)
            if any(seen_run.get(r, name) != name for r in runs):
                across += 1
                continue
            seen_key[key] = name
            for r in runs:
                seen_run.setdefault(r, name)
            out.append(group[0])
        stats["dup_within"][name] = within
        stats["conflict"][name] = conflict
        stats["dup_across"][name] = across
        stats["kept"][name] = sum(1 for e in out if e.source == name)
    if team_path is not None and team_path.is_file():
        team = [e for e in team_written(team_path) if norm_key(e.text) not in seen_key]
        out.extend(team)
        stats["kept"][TEAM] = len(team)
    return out, stats
