"""Command line: bring the vector index in line with the corpus (python ingest.py --help)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.config import Settings, offline_environment
from bot.errors import BotError


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    parser = argparse.ArgumentParser(description="Embed the vetted corpus into Chroma (incremental, atomic).")
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: ./corpus or BOT_CORPUS_DIR)")
    parser.add_argument("--rebuild", action="store_true", help="re-embed everything")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from bot.retrieval.ingest import ingest

    settings = Settings.from_env()
    try:
        summary = ingest(settings, corpus_dir=args.corpus, rebuild=args.rebuild, progress=not args.quiet)
    except BotError as exc:
        print(f"ingest refused: {exc}\nThe existing index was left as it was.", file=sys.stderr)
        return 2
    print(f"ingest: {summary.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
