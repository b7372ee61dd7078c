"""Patient questions in the repository: a look-alike set the crisis screen must not route to crisis.

    from evals.patient_questions import patient_questions, corpus_phrasings
    python -m evals.patient_questions      # how the screen routes each of them (MiniLM vector)

Two kinds, both written as a frightened patient asks an ordinary question:
- every `##` heading and `<!-- also: -->` phrasing of the English and Spanish corpus
  (corpus/*.md, corpus/es/*.md), except the documents whose source_type is crisis_resource
  (their phrasings include "i want to die who do i talk to": crisis help is the right answer);
- the questions of the real dev sets (dev.jsonl, dev2.jsonl, dev3.jsonl), the team-written decline dev
  set and the retrieval gold set, except items marked crisis_adjacent.

evals/sets/real/test.jsonl is held out and never read here (nor anywhere but the lead's
scoring). evals/train_guard.py holds its tiers to add no crisis on this set, and may train
on the corpus phrasings as team-written safe rows (never a blind source);
tests/test_guard.py asserts that none of them is routed to crisis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.types import split_conversation, turn_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "corpus"
SETS_DIR = ROOT / "evals" / "sets"
REAL_SETS = (SETS_DIR / "real" / "dev.jsonl", SETS_DIR / "real" / "dev2.jsonl", SETS_DIR / "real" / "dev3.jsonl",
             SETS_DIR / "real" / "decline_dev.jsonl", SETS_DIR / "retrieval_gold.jsonl")
HELD_OUT = "test.jsonl"
CRISIS_ADJACENT_TYPES = ("crisis_resource",)


@dataclass(frozen=True)
class Question:
    id: str  # "corpus:<lang>:<doc id>#<n>" or "<set>:<item id>"
    origin: str  # "corpus-en", "corpus-es", "dev", "dev2", "decline_dev", "retrieval_gold"
    text: str
    history: tuple[str, ...] = ()  # earlier user turns (real dev items with turns)


def corpus_phrasings(corpus_dir: Path = CORPUS_DIR) -> list[Question]:
    """Every heading and also-phrasing of the corpus (both languages), crisis help left out."""
    from bot.retrieval.chunk import chunk_document, question_texts
    from bot.retrieval.corpus import load_corpus

    out, seen = [], set()
    for doc in load_corpus(corpus_dir):
        if str(doc.meta.get("source_type")) in CRISIS_ADJACENT_TYPES:
            continue
        n = 0
        for passage in chunk_document(doc):
            for q in question_texts(passage):
                key = (doc.lang, q.strip().lower())
                if q.strip() and key not in seen:
                    seen.add(key)
                    out.append(Question(f"corpus:{doc.lang}:{doc.id}#{n}", f"corpus-{doc.lang}", q.strip()))
                    n += 1
    return out


def real_questions(paths: tuple[Path, ...] = REAL_SETS) -> list[Question]:
    """The dev, decline dev and gold questions, crisis-adjacent items left out."""
    out = []
    for path in paths:
        if path.name == HELD_OUT:
            raise ValueError(f"{path} is the held-out set: never read it here")
        if not path.is_file():
            continue
        origin = path.stem
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("crisis_adjacent"):
                continue
            before, message = split_conversation(row) or ([], row["text"])
            out.append(Question(f"{origin}:{row['id']}", origin, message, tuple(map(turn_text, before))))
    return out


def patient_questions() -> list[Question]:
    return corpus_phrasings() + real_questions()


def main() -> int:
    from collections import Counter

    from bot.config import Settings
    from bot.retrieval.embed import default_embedder
    from bot.safety.screen import screen
    from bot.types import Turn

    qs = patient_questions()
    settings = Settings(embedder=default_embedder())
    vecs = settings.get_embedder().encode([q.text for q in qs])
    counts: Counter = Counter()
    for q, v in zip(qs, vecs, strict=True):
        history = [Turn(role="user", text=t) for t in q.history]
        with_vec = screen(history, q.text, query_vec=v, settings=settings)
        without = screen(history, q.text, settings=settings)
        counts[(q.origin, with_vec.name)] += 1
        if with_vec.name != "continue" or without.name != "continue":
            print(f"{q.id}\t{with_vec.name}\t{with_vec.reason}\t{without.name}\t{without.reason}\t{q.text}")
    for (origin, route), n in sorted(counts.items()):
        print(f"# {origin:15} {route:13} {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
