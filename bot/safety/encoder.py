"""The tuned encoder of the crisis screen: a team tier since stop 39 (screen.team_read).

The team-written tiers (bot/safety/near.py, bot/safety/head.py) read the frozen MiniLM vector,
and on a fresh held-out set written blind they stopped improving with more rows. MiniLM itself,
tuned on the same team-written messages, reads that set far better (evals/experiments/team_encoder.md:
ROC AUC 0.985 against 0.942 for the single messages). This module serves that tuned model:
- the bundled all-MiniLM-L6-v2, plus rank-r low-rank adapters (A, B per linear map of the six
  layers) stored in bot/safety/data/team_encoder.npz, about 1.3 MB: the only committed weights;
- merged into the bundled weights and exported to ONNX once per machine, in the same model cache
  as the retrieval embedder (bot/retrieval/onnx_model.py), so serving needs no torch;
- a logistic scorer on the unit vector and its threshold, stored with the adapters.

Trained by `python -m evals.train_encoder`. Missing, damaged, or built on another bundled model:
`load()` returns None and the rest of the screen works as before.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
ENCODER_PATH = DATA / "team_encoder.npz"
RECIPE = "team-encoder-onnx-v1"  # change when the merge or the export below changes
log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Stored:
    adapters: dict[str, tuple[np.ndarray, np.ndarray]]  # module path -> (A (r, in), B (out, r))
    scale: float
    coef: np.ndarray  # (dim,) the logistic scorer on the unit vector
    intercept: float
    threshold: float
    base: str  # bot.retrieval.onnx_model.model_key() of the bundled model the adapters were trained on
    sources: str  # fingerprint of the training files

    def key(self) -> str:
        """Identity of the merged model: the recipe, the bundled model and the adapters' bytes."""
        h = hashlib.sha256(f"{RECIPE}|{self.base}|{self.scale}".encode())
        for name in sorted(self.adapters):
            a, b = self.adapters[name]
            h.update(name.encode() + a.tobytes() + b.tobytes())
        return h.hexdigest()[:16]


def save(path: Path, stored: Stored) -> None:
    arrays = {}
    for i, name in enumerate(sorted(stored.adapters)):
        a, b = stored.adapters[name]
        arrays[f"a{i}"], arrays[f"b{i}"] = a.astype(np.float16), b.astype(np.float16)
    np.savez_compressed(path, names=np.array(sorted(stored.adapters)), scale=stored.scale,
                        coef=stored.coef.astype(np.float32), intercept=stored.intercept,
                        threshold=stored.threshold, base=stored.base, sources=stored.sources, **arrays)


def read(path: Path = ENCODER_PATH) -> Stored | None:
    """The stored adapters and scorer, or None when the file is missing or unreadable."""
    if not path.exists():
        return None
    try:
        data = np.load(path, allow_pickle=False)
        names = [str(n) for n in data["names"]]
        adapters = {n: (data[f"a{i}"].astype(np.float32), data[f"b{i}"].astype(np.float32))
                    for i, n in enumerate(names)}
        return Stored(adapters, float(data["scale"]), data["coef"].astype(np.float32), float(data["intercept"]),
                      float(data["threshold"]), str(data["base"]), str(data["sources"]))
    except Exception as exc:  # a damaged file must never take the crisis screen down
        log.warning("guard: tuned encoder unreadable (%s); tier off", type(exc).__name__)
        return None


def merge_into(model, stored: Stored) -> None:
    """Add each adapter's B @ A * scale to its linear map's weight (a transformers BertModel)."""
    import torch

    with torch.no_grad():
        for name, (a, b) in stored.adapters.items():
            linear = model.get_submodule(name)
            linear.weight += torch.from_numpy(b @ a * stored.scale).to(linear.weight.dtype)


def ensure(stored: Stored, quiet: bool = False) -> Path:
    """The folder of the merged model's ONNX files, exporting them first if missing (race-safe:
    bot.retrieval.onnx_model.build_once)."""
    from bot.config import offline_environment
    from bot.retrieval import onnx_model

    offline_environment()

    def build(out: Path) -> None:
        from transformers import AutoModel

        model = AutoModel.from_pretrained(str(onnx_model.model_dir()), local_files_only=True).eval()
        merge_into(model, stored)
        with tempfile.TemporaryDirectory() as merged:
            model.save_pretrained(merged)
            onnx_model.export(Path(merged), out)

    return onnx_model.build_once(onnx_model.cache_root() / f"team-encoder-{stored.key()}", build,
                                 "the tuned crisis encoder", quiet)


class TeamEncoder:
    """The merged model through onnxruntime (fp32) and its scorer: `risk(text)` in 0..1."""

    def __init__(self, stored: Stored, folder: Path):
        from bot.retrieval.embed import OnnxEmbedder

        self.stored = stored
        self.threshold = stored.threshold
        self._embedder = OnnxEmbedder(int8=False, folder=folder)

    def vectors(self, texts: list[str]) -> np.ndarray:
        v = self._embedder.encode(list(texts))
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def risks(self, texts: list[str]) -> np.ndarray:
        z = self.vectors(texts) @ self.stored.coef + self.stored.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def risk(self, text: str) -> float:
        return float(self.risks([text])[0])


@lru_cache(maxsize=2)
def load(path: Path = ENCODER_PATH) -> TeamEncoder | None:
    """The tuned encoder, or None (tier off) when its file is missing or damaged, was trained on
    another bundled model, or cannot be exported here."""
    stored = read(path)
    if stored is None:
        return None
    try:
        from bot.retrieval import onnx_model

        if stored.base != onnx_model.model_key():
            log.warning("guard: tuned encoder trained on another bundled model; tier off")
            return None
        return TeamEncoder(stored, ensure(stored, quiet=True))
    except Exception as exc:
        log.warning("guard: tuned encoder unavailable (%s); tier off", type(exc).__name__)
        return None


if __name__ == "__main__":  # make install: export the merged model now, not on a patient's first turn
    found = read()
    print(ensure(found) if found is not None else "no tuned encoder stored; tier off")
