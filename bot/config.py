"""One Settings value, built once from the environment and passed in explicitly.

Nothing here runs at import time: `Settings.from_env()` is the only place the
environment is read, so tests can build Settings directly with fakes injected.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Embedding backends (BOT_EMBEDDER), the default first; see bot.retrieval.embed. The factory
# is named, not imported: config.py imports nothing of bot/ (imports run downward only).
EMBEDDER_BACKENDS = ("onnx", "onnx-int8", "torch", "hash")
EMBEDDER_FACTORY = "bot.retrieval.embed:make_embedder"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def offline_environment() -> None:
    """Turn off hub downloads and telemetry before any heavy library is imported."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma's posthog client
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


@dataclass(frozen=True)
class Settings:
    """Every knob of the assistant, with documented defaults.

    data_dir: where the Chroma index, caches, feedback and audit logs live (BOT_DATA_DIR).
    corpus_dir: vetted Markdown documents with front matter (BOT_CORPUS_DIR).
    prompts_dir: fixed user-facing texts, LLM prompts and crisis resources (BOT_PROMPTS_DIR).
    chroma_url: when set (BOT_CHROMA_URL=http://host:port), use a Chroma server, not the
        embedded store; chroma_token (BOT_CHROMA_TOKEN) is sent as a bearer token.
    locale: default crisis-resource locale (BOT_LOCALE): en-US, en-GB, en-CA, en-AU, es-US.
    llm: optional generative answering (BOT_LLM=ollama:MODEL | openai:MODEL | fake:FILE).
    log_messages: store message text in logs and feedback (BOT_LOG_MESSAGES=1); off by default.
    audit_log: append each turn's decision to data_dir/audit.jsonl (BOT_AUDIT_LOG=0 turns it off).
    min_relevance: override of the calibrated decision threshold (BOT_MIN_RELEVANCE): the probability
        that a passage answers, under which the bot declines (bot/retrieval/data/decision.json).
    embedder_backend: which MiniLM runtime get_embedder() builds (BOT_EMBEDDER): onnx
        (default, fp32), onnx-int8, torch, or hash (a fake that needs no model).
    embedder / chat_model: injected objects (fakes in tests); built lazily when None.
    """

    data_dir: Path = ROOT / "data"
    corpus_dir: Path = ROOT / "corpus"
    prompts_dir: Path = ROOT / "prompts"
    collection: str = "vetted_passages"
    chroma_url: str | None = None
    chroma_token: str | None = field(default=None, repr=False)  # a secret: never in repr/logs
    locale: str = "en-US"
    llm: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)  # a secret: never in repr/logs
    llm_timeout: float = 30.0
    log_messages: bool = False
    audit_log: bool = True
    top_k: int = 6
    max_sentences: int = 4
    min_relevance: float | None = None  # None: the calibrated value in bot/data
    max_message_chars: int = 4000
    embedder_backend: str = EMBEDDER_BACKENDS[0]
    embedder: Any = field(default=None, compare=False, repr=False)
    chat_model: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("data_dir", "corpus_dir", "prompts_dir"):  # accept str as well as Path
            object.__setattr__(self, name, Path(getattr(self, name)))
        if self.embedder_backend not in EMBEDDER_BACKENDS:
            raise ValueError(f"unknown embedder backend {self.embedder_backend!r} (BOT_EMBEDDER); "
                             f"choose one of {', '.join(EMBEDDER_BACKENDS)}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build Settings from environment variables (BOT_*), then apply overrides."""
        env = dict(os.environ if env is None else env)
        kwargs: dict[str, Any] = {}
        if env.get("BOT_DATA_DIR"):
            kwargs["data_dir"] = Path(env["BOT_DATA_DIR"]).expanduser()
        if env.get("BOT_CORPUS_DIR"):
            kwargs["corpus_dir"] = Path(env["BOT_CORPUS_DIR"]).expanduser()
        if env.get("BOT_PROMPTS_DIR"):
            kwargs["prompts_dir"] = Path(env["BOT_PROMPTS_DIR"]).expanduser()
        if env.get("BOT_COLLECTION"):
            kwargs["collection"] = env["BOT_COLLECTION"]
        kwargs["chroma_url"] = env.get("BOT_CHROMA_URL") or None
        kwargs["chroma_token"] = env.get("BOT_CHROMA_TOKEN") or None
        if env.get("BOT_LOCALE"):
            kwargs["locale"] = env["BOT_LOCALE"]
        kwargs["llm"] = env.get("BOT_LLM") or None
        kwargs["llm_base_url"] = env.get("BOT_LLM_BASE_URL") or None
        kwargs["llm_api_key"] = env.get("BOT_LLM_API_KEY") or None
        if env.get("BOT_LLM_TIMEOUT"):
            kwargs["llm_timeout"] = float(env["BOT_LLM_TIMEOUT"])
        kwargs["log_messages"] = _flag(env.get("BOT_LOG_MESSAGES"))
        if env.get("BOT_AUDIT_LOG"):
            kwargs["audit_log"] = _flag(env["BOT_AUDIT_LOG"])
        if env.get("BOT_EMBEDDER"):
            kwargs["embedder_backend"] = env["BOT_EMBEDDER"].strip().lower()
        if env.get("BOT_MIN_RELEVANCE"):
            kwargs["min_relevance"] = float(env["BOT_MIN_RELEVANCE"])
        kwargs.update(overrides)
        return cls(**kwargs)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def relevance_floor(self) -> float:
        if self.min_relevance is not None:
            return self.min_relevance
        from bot.retrieval.match import calibrated_min_relevance

        return calibrated_min_relevance()

    def get_embedder(self):
        """The injected embedder, or the bundled MiniLM on embedder_backend (built once per
        process by the factory EMBEDDER_FACTORY names)."""
        if self.embedder is not None:
            return self.embedder
        module, _, factory = EMBEDDER_FACTORY.partition(":")
        return getattr(importlib.import_module(module), factory)(self.embedder_backend)
