"""The crisis screen's tuned encoder (bot/safety/encoder.py): stored adapters, the merge, the ONNX
export and the tier's failure modes. The real bundled model throughout; no patch()."""

from __future__ import annotations

import numpy as np
import pytest

from bot.retrieval import onnx_model
from bot.safety import encoder

TEXTS = ["i gave my dog to my sister and wrote everyone a letter", "how long does spravato take to work?"]


def stored_with(b_scale: float, rank: int = 2, seed: int = 0) -> encoder.Stored:
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.05, (rank, 384)).astype(np.float32)
    b = (rng.normal(0, 0.05, (384, rank)) * b_scale).astype(np.float32)
    coef = rng.normal(0, 1, 384).astype(np.float32)
    return encoder.Stored({"encoder.layer.5.attention.output.dense": (a, b)}, 2.0, coef, -0.5, 0.9,
                          onnx_model.model_key(), "test")


def torch_vectors(stored: encoder.Stored, texts: list[str]) -> np.ndarray:
    import torch
    from transformers import AutoModel, AutoTokenizer

    src = str(onnx_model.model_dir())
    model = AutoModel.from_pretrained(src, local_files_only=True).eval()
    encoder.merge_into(model, stored)
    tok = AutoTokenizer.from_pretrained(src, local_files_only=True)
    batch = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    v = ((out * mask).sum(1) / mask.sum(1)).numpy()
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_missing_or_damaged_file_turns_the_tier_off(tmp_path, caplog):
    assert encoder.read(tmp_path / "none.npz") is None
    assert encoder.load(tmp_path / "none.npz") is None
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not an npz")
    assert encoder.read(bad) is None
    assert encoder.load(bad) is None
    assert "unreadable" in caplog.text


def test_adapters_trained_on_another_bundled_model_are_not_used(tmp_path, caplog):
    stored = stored_with(1.0)
    path = tmp_path / "other.npz"
    encoder.save(path, encoder.Stored(stored.adapters, stored.scale, stored.coef, stored.intercept,
                                      stored.threshold, "another-model", "test"))
    assert encoder.read(path) is not None
    assert encoder.load(path) is None
    assert "another bundled model" in caplog.text


def test_save_and_read_keep_the_adapters_and_the_scorer(tmp_path):
    stored = stored_with(1.0)
    path = tmp_path / "enc.npz"
    encoder.save(path, stored)
    back = encoder.read(path)
    (a, b), = stored.adapters.values()
    (a2, b2), = back.adapters.values()
    assert list(back.adapters) == list(stored.adapters)
    np.testing.assert_allclose(a2, a, atol=1e-3)
    np.testing.assert_allclose(b2, b, atol=1e-3)
    np.testing.assert_allclose(back.coef, stored.coef)
    assert (back.scale, back.intercept, back.threshold, back.base) == (2.0, -0.5, 0.9, onnx_model.model_key())
    assert back.key() != encoder.Stored({}, 2.0, back.coef, -0.5, 0.9, back.base, "test").key()


@pytest.mark.slow
def test_the_served_model_is_the_bundled_one_plus_the_adapters(tmp_path):
    from bot.retrieval.embed import OnnxEmbedder

    # no change (B = 0): the same vectors as the bundled model's own fp32 export
    zero = stored_with(0.0)
    served = encoder.TeamEncoder(zero, encoder.ensure(zero, quiet=True))
    base = OnnxEmbedder(int8=False).encode(TEXTS)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    assert np.min(np.sum(served.vectors(TEXTS) * base, axis=1)) > 0.9999

    # an adapter: the ONNX vectors are torch's merged model's, and differ from the bundled ones
    stored = stored_with(20.0)
    served = encoder.TeamEncoder(stored, encoder.ensure(stored, quiet=True))
    got, want = served.vectors(TEXTS), torch_vectors(stored, TEXTS)
    assert np.min(np.sum(got * want, axis=1)) > 0.999
    assert np.min(np.sum(got * base, axis=1)) < 0.999
    p = served.risks(TEXTS)
    z = want @ stored.coef + stored.intercept
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-z)), atol=2e-3)
    assert 0.0 <= served.risk(TEXTS[0]) <= 1.0


def test_the_screen_works_without_the_tuned_encoder(tmp_path):
    from bot.safety import screen

    assert screen._encoder_risk("i want to die", path=tmp_path / "none.npz") is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"\x00" * 64)
    assert screen._encoder_risk("i want to die", path=broken) is None


def test_the_committed_encoder_is_small_and_keyed_to_the_bundled_model():
    stored = encoder.read()
    assert stored is not None
    assert encoder.ENCODER_PATH.stat().st_size < 2_000_000  # no committed file over 2 MB
    assert stored.base == onnx_model.model_key()
    assert 0.5 < stored.threshold <= 1.0
    assert len(stored.adapters) == 36  # every linear map of the six layers
