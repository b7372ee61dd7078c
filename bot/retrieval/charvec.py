"""Character n-gram TF-IDF without scikit-learn: the analyzer="char_wb" case of its TfidfVectorizer.

Matching needs only char_wb n-grams of a few thousand short texts, but importing scikit-learn
(1.9) imports scipy.stats, pandas and pyarrow with it: about 120 MiB of a serving process's
400 MiB budget and over a second of its cold start. This class takes the same arguments for
that case and returns the same scipy CSR matrices, built by the same operations in the same
order: the same n-grams, vocabulary (sorted), smoothed idf, sublinear tf and L2 norm, so the
vectors are bit-identical to scikit-learn's (tests/test_embed.py compares them on the corpus).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from scipy import sparse

_WHITE_SPACES = re.compile(r"\s\s+")


def strip_accents_unicode(s: str) -> str:
    try:
        s.encode("ASCII", errors="strict")
        return s
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", s)
        return "".join([c for c in normalized if not unicodedata.combining(c)])


class TfidfVectorizer:
    """scikit-learn's TfidfVectorizer for analyzer="char_wb", norm="l2",
    use_idf, smooth_idf, min_df=1, max_df=1.0, no max_features; fit_transform / transform."""

    def __init__(self, analyzer: str = "char_wb", ngram_range: tuple[int, int] = (1, 1),
                 sublinear_tf: bool = False, strip_accents: str | None = None, lowercase: bool = True):
        if analyzer != "char_wb" or strip_accents not in (None, "unicode"):
            raise ValueError(f"unsupported: analyzer={analyzer!r}, strip_accents={strip_accents!r}")
        self.analyzer = analyzer
        self.ngram_range = tuple(ngram_range)
        self.sublinear_tf = sublinear_tf
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0)

    # --- analysis -----------------------------------------------------------------------

    def _preprocess(self, doc: str) -> str:
        if self.lowercase:
            doc = doc.lower()
        if self.strip_accents == "unicode":
            doc = strip_accents_unicode(doc)
        return doc

    def analyze(self, doc: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", self._preprocess(doc))
        lo, hi = self.ngram_range
        grams: list[str] = []
        add = grams.append
        for w in text.split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(lo, hi + 1):
                offset = 0
                add(w[offset: offset + n])
                while offset + n < w_len:
                    offset += 1
                    add(w[offset: offset + n])
                if offset == 0:  # a word shorter than n counts once
                    break
        return grams

    def _counts(self, docs, vocabulary: dict[str, int], fixed: bool) -> sparse.csr_array:
        j_indices: list[int] = []
        values: list[int] = []
        indptr = [0]
        for doc in docs:
            counter: dict[int, int] = {}
            for gram in self.analyze(doc):
                idx = vocabulary.get(gram)
                if idx is None:
                    if fixed:
                        continue
                    idx = vocabulary[gram] = len(vocabulary)
                counter[idx] = counter.get(idx, 0) + 1
            j_indices.extend(counter.keys())
            values.extend(counter.values())
            indptr.append(len(j_indices))
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        X = sparse.csr_array((np.asarray(values, dtype=np.intc), np.asarray(j_indices, dtype=np.int32),
                              np.asarray(indptr, dtype=np.int32)),
                             shape=(len(indptr) - 1, len(vocabulary)), dtype=np.float64)
        X.sort_indices()
        return X

    # --- weighting ----------------------------------------------------------------------

    def _weigh(self, X) -> sparse.csr_matrix:
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= self.idf_[X.indices]
        data, indptr = X.data, X.indptr
        for i in range(X.shape[0]):  # in storage order, as scikit-learn's Cython loop adds them
            row = data[indptr[i]: indptr[i + 1]]
            total = float(np.cumsum(row * row)[-1]) if len(row) else 0.0
            if total != 0.0:
                row /= np.sqrt(total)
        return sparse.csr_matrix(X)

    def fit_transform(self, docs) -> sparse.csr_matrix:
        vocabulary: dict[str, int] = {}
        X = self._counts(list(docs), vocabulary, fixed=False)
        ordered = sorted(vocabulary.items())
        remap = np.empty(len(ordered), dtype=X.indices.dtype)
        for new, (term, old) in enumerate(ordered):
            vocabulary[term] = new
            remap[old] = new
        X.indices = remap.take(X.indices, mode="clip")
        X = X[:, np.arange(len(ordered))]  # scikit-learn's min_df/max_df pass keeps every column
        self.vocabulary_ = vocabulary
        n_samples = X.shape[0] + 1
        df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64) + 1.0
        self.idf_ = np.full_like(df, fill_value=n_samples, dtype=np.float64)
        self.idf_ /= df
        np.log(self.idf_, out=self.idf_)
        self.idf_ += 1.0
        return self._weigh(sparse.csr_array(X))

    def fit(self, docs) -> TfidfVectorizer:
        self.fit_transform(docs)
        return self

    def transform(self, docs) -> sparse.csr_matrix:
        return self._weigh(self._counts(list(docs), self.vocabulary_, fixed=True))
