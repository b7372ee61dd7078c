"""bot.retrieval.charvec against scikit-learn's TfidfVectorizer: the same vocabulary, idf and
vectors, bit for bit, so the matcher's character feature does not change with the import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.retrieval.charvec import TfidfVectorizer
from bot.retrieval.chunk import chunk_document
from bot.retrieval.corpus import load_corpus

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
ROOT = Path(__file__).resolve().parent.parent

CONFIGS = [
    {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True, "strip_accents": "unicode",
     "lowercase": True},  # the matcher's question vectors
    {"analyzer": "char_wb", "ngram_range": (2, 3)},  # scikit-learn's defaults otherwise
    {"analyzer": "char_wb", "ngram_range": (1, 4), "sublinear_tf": True, "lowercase": False},
]
QUERIES = [
    "Does ketamine help PTSD?",
    "¿La ketamina ayuda con el TEPT? Efectos secundarios, náuseas…",
    "KETAMINE   and\tPTSD — naïve café",
    "a", "", "   ", "zzzz qqqq",  # too short for a gram, blank, nothing known
    "what is esketamine (Spravato) vs ketamine infusions",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    passages = [p for d in load_corpus(ROOT / "corpus") for p in chunk_document(d)]
    return [s for p in passages[:120] for s in p.sentences] + QUERIES[:3]


@pytest.mark.parametrize("config", CONFIGS)
def test_bit_identical_to_scikit_learn(texts, config):
    ours, theirs = TfidfVectorizer(**config), sklearn_text.TfidfVectorizer(**config)
    A, B = ours.fit_transform(texts), theirs.fit_transform(texts)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert np.array_equal(ours.idf_, theirs.idf_)
    for mine, ref in ((A, B), (ours.transform(QUERIES), theirs.transform(QUERIES))):
        assert type(mine) is type(ref) and mine.shape == ref.shape
        for part in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(mine, part), getattr(ref, part)), part
    sims = np.asarray((A @ ours.transform(QUERIES).T).todense())
    assert np.array_equal(sims, np.asarray((B @ theirs.transform(QUERIES).T).todense()))
    assert sims.max() > 0.5  # the comparison is not between two empty matrices


@pytest.mark.parametrize("config", [{"analyzer": "word"}, {"analyzer": "char"}, {"strip_accents": "ascii"}])
def test_other_configurations_are_refused(config):
    with pytest.raises(ValueError):
        TfidfVectorizer(**config)


def test_an_empty_vocabulary_is_refused_like_scikit_learn():
    with pytest.raises(ValueError, match="empty vocabulary"):
        TfidfVectorizer(ngram_range=(3, 5)).fit_transform(["", "  "])
    with pytest.raises(ValueError, match="empty vocabulary"):
        sklearn_text.TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(["", "  "])
