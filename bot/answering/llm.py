"""Optional generative answering through a LangChain chat model, held to the same citations.

The model gets the numbered passages as quoted data, writes a short answer citing [n],
and every sentence then passes the grounding check (bot.answering.grounding) or is dropped. Any
model error or timeout falls back to the extractive answer with a short notice.
"""

from __future__ import annotations

import concurrent.futures
import html
import itertools
import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from bot import prompts
from bot.config import Settings
from bot.types import Hit, Turn


class FakeChatModel(BaseChatModel):
    """Replies with the `text` of the JSON lines of a file, in turn, cycling.

    A line may add {"delay": seconds}, or carry {"error": "timeout"} (raises TimeoutError) or
    {"error": "rate_limit"} (raises RuntimeError) so tests and evaluators can check the
    fallback. Every prompt it receives is kept in `seen` for inspection.
    """

    path: str
    _lines: list[dict] = PrivateAttr(default_factory=list)
    _cycle: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    seen: list = []

    def model_post_init(self, __context: Any) -> None:
        lines = [json.loads(x) for x in Path(self.path).read_text(encoding="utf-8").splitlines() if x.strip()]
        if not lines:
            raise ValueError(f"{self.path}: no JSON lines")
        self._lines = lines
        self._cycle = itertools.cycle(lines)
        self.seen = []

    @property
    def _llm_type(self) -> str:
        return "fake-file"

    def _next(self, messages: list[BaseMessage]) -> str:
        with self._lock:
            self.seen.append(messages)
            line = next(self._cycle)
        if line.get("delay"):
            time.sleep(float(line["delay"]))
        if line.get("error") == "timeout":
            raise TimeoutError("fake model timed out")
        if line.get("error"):
            raise RuntimeError(f"fake model error: {line['error']}")
        return str(line.get("text", ""))

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._next(messages)))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages)
        for i, word in enumerate(text.split(" ")):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word if i == 0 else " " + word))


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """Build the chat model named by BOT_LLM (provider:model); None when not configured."""
    if settings.chat_model is not None:
        return settings.chat_model
    if not settings.llm:
        return None
    provider, _, name = settings.llm.partition(":")
    if not name:
        raise ValueError(f"BOT_LLM must look like provider:model, got {settings.llm!r}")
    if provider == "fake":
        return FakeChatModel(path=name)
    if provider == "ollama":
        from langchain_ollama import ChatOllama

        kwargs = {"base_url": settings.llm_base_url} if settings.llm_base_url else {}
        return ChatOllama(model=name, temperature=0, **kwargs)
    if provider == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=name, temperature=0, base_url=settings.llm_base_url,
                          api_key=settings.llm_api_key or "not-needed", timeout=settings.llm_timeout,
                          max_retries=0)
    raise ValueError(f"unknown BOT_LLM provider {provider!r}: use ollama, openai or fake")


def quote_passages(hits: Sequence[Hit]) -> str:
    """Numbered passages as quoted data. Escaping keeps a passage from closing its own tag."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        title = html.escape(str(hit.passage.meta.get("title", "")), quote=True)
        blocks.append(f'<passage n="{n}" source="{title}">\n{html.escape(hit.passage.text, quote=False)}\n</passage>')
    return "\n".join(blocks)


def model_history(history: Sequence[Turn], limit: int = 6) -> list[Turn]:
    """Earlier turns the model may see: crisis turns (and the message that led to them) never."""
    keep: list[Turn] = []
    turns = list(history)
    for i, turn in enumerate(turns):
        nxt = turns[i + 1] if i + 1 < len(turns) else None
        if turn.route == "crisis" or (turn.role == "user" and nxt is not None and nxt.route == "crisis"):
            continue
        keep.append(turn)
    return keep[-limit:]


def build_messages(settings: Settings, history: Sequence[Turn], question: str, hits: Sequence[Hit],
                   locale: str) -> list[BaseMessage]:
    system = prompts.text(settings.prompts_dir, "llm_system", locale)
    template = prompts.text(settings.prompts_dir, "llm_answer", locale)
    convo = "\n".join(f"{t.role}: {html.escape(t.text[:500], quote=False)}" for t in model_history(history))
    user = (template.replace("{passages}", quote_passages(hits))
            .replace("{history}", convo or "(none)")
            .replace("{question}", html.escape(question, quote=False)))
    return [SystemMessage(content=system), HumanMessage(content=user)]


def generate(model: BaseChatModel, messages: list[BaseMessage], timeout: float) -> str:
    """One completion, bounded by `timeout` seconds whatever the provider does."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(model.invoke, messages)
        result = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise TimeoutError(f"model gave no answer within {timeout:g}s") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    content = result.content
    return content if isinstance(content, str) else " ".join(str(c) for c in content)


def stream_sentences(model: BaseChatModel, messages: list[BaseMessage], timeout: float) -> Iterator[str]:
    """Complete sentences of a streamed completion, each as soon as the next one begins."""
    from bot.answering.grounding import split_generated

    deadline = time.monotonic() + timeout
    buffer = ""
    for chunk in model.stream(messages):
        if time.monotonic() > deadline:
            raise TimeoutError(f"model stream ran past {timeout:g}s")
        content = chunk.content
        buffer += content if isinstance(content, str) else "".join(str(c) for c in content)
        parts = split_generated(buffer)
        if len(parts) > 1:
            yield from parts[:-1]
            buffer = parts[-1]
    yield from split_generated(buffer)
