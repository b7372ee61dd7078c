"""Where a fresh process spends its time before the first answer (run as a child):

    python -m bench.coldprobe "question"

Prints one JSON object: seconds per stage, in order. Uses the same Settings from the
environment as `python -m bot ask`.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> int:
    question = sys.argv[1] if len(sys.argv) > 1 else "Does ketamine help PTSD?"
    stages: list[tuple[str, float]] = []
    t = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        stages.append((name, now - t))
        t = now

    from bot.config import Settings, offline_environment

    offline_environment()
    mark("import bot.config")
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    mark("import onnxruntime + tokenizers")
    settings = Settings.from_env()
    embedder = settings.get_embedder()
    mark(f"load MiniLM ({settings.embedder_backend})")
    import chromadb  # noqa: F401

    mark("import chromadb")
    import bot.safety.screen  # noqa: F401
    from bot.chat import Assistant

    mark("import bot.chat + bot.safety.screen")
    assistant = Assistant(settings)
    mark("Assistant() (prompts checked)")
    _ = assistant.retriever.store.client
    mark("open Chroma client")
    assistant.retriever.index()
    mark("load index (fetch passages + sentence vectors, build BM25)")
    embedder.encode([question])
    mark("first query embedding")
    bot.safety.screen.semantic_model(settings)
    mark("screen's semantic model (exemplar vectors from cache + classifier fit)")
    reply = assistant.respond([], question)
    mark("first respond() (warm model, loaded index)")
    heavy = sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)
    sys.stdout.write(json.dumps({"route": reply.route, "stages": stages, "heavy_modules": heavy}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
