"""The query adapter (evals/adapter_experiment.py) under evals/cv_retrieval.py's grouped CV, the
decision refitted on adapted features (recipe `new`), against the same CV without the adapter.

    BOT_DATA_DIR=... HF_HUB_OFFLINE=1 OMP_NUM_THREADS=2 nice -n 10 \
        .venv/bin/python -m evals.adapter_cv --config query:4:100 [--cache /tmp/adapter/emb.pkl] \
        [--rows-cache /tmp/adapter/cv_rows_adapted.pkl]

The adapter is trained on every corpus question row (team-written; no real question). Caveat:
the corpus's own questions (`also` rows, always fitted, never checked by cv_retrieval) are then
in-sample for the adapter, so they look easier to the refitted decision than they are; the
checked origins (dev, dev2, gold, decline_dev) are never seen by the adapter.
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path
from types import SimpleNamespace

from bot.config import Settings
from bot.retrieval.match import Retriever
from evals import cv_retrieval
from evals.adapter_experiment import Cached, adapted_embed, adapted_index, train, training_rows
from evals.calibrate_retrieval import FIT_FEATURES

# recipe `new` plus the (adapted) question similarity itself, not only its margin
cv_retrieval.RECIPES["new+qsim"] = dict(cv_retrieval.RECIPES["new"], features=(*FIT_FEATURES, "qsim"))
cv_retrieval.RECIPES["new+qsimc"] = dict(cv_retrieval.RECIPES["new"], features=(*FIT_FEATURES, "qsimc"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="query:4:100", help="side:rank:steps[:reg], or `none` (no adapter)")
    ap.add_argument("--cache", type=Path, help="text -> vector pickle (adapter_experiment's)")
    ap.add_argument("--rows-cache", type=Path, help="pickle the adapted feature rows here (or read them)")
    ap.add_argument("--recipes", default="new")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    index = Retriever(settings).index()
    embed = Cached(settings.get_embedder().encode, args.cache)
    adapter = None
    if args.config != "none":
        side, rank, steps, *reg = args.config.split(":")
        rows, elig = training_rows(index)
        adapter = train(index, rows, elig, int(rank), int(steps), float(reg[0]) if reg else 0.0, side)
    idx = adapted_index(index, adapter)
    emb = adapted_embed(embed, adapter)
    if args.rows_cache and args.rows_cache.is_file():
        feature_rows = pickle.loads(args.rows_cache.read_bytes())
    else:
        feature_rows = cv_retrieval.feature_rows(idx, SimpleNamespace(get_embedder=lambda: SimpleNamespace(encode=emb)))
        if args.rows_cache:
            args.rows_cache.write_bytes(pickle.dumps(feature_rows))
    print(f"adapter {args.config}")
    cv_retrieval.report(idx, feature_rows, SimpleNamespace(recipes=args.recipes, folds=5, seeds=3, json=args.json))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
