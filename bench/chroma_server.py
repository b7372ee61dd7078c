"""Start and stop a real `chroma run` server on loopback for the benchmark."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.util import free_port, proc_rss_mb, stop_process


def chroma_executable() -> str:
    local = Path(sys.executable).parent / "chroma"
    if local.exists():
        return str(local)
    found = shutil.which("chroma")
    if not found:
        raise RuntimeError("the `chroma` executable is not installed (pip install chromadb)")
    return found


class ChromaServer:
    """`chroma run --path PATH --host 127.0.0.1 --port FREE`, up until stop() (or the with-block ends)."""

    def __init__(self, path: Path, host: str = "127.0.0.1", port: int | None = None):
        self.path = Path(path)
        self.host = host
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.path.parent / f"{self.path.name}-server.log"
        self.start_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as resp:
                return resp.status == 200 and "nanosecond heartbeat" in json.loads(resp.read())
        except Exception:
            return False

    def start(self, timeout: float = 60.0) -> ChromaServer:
        self.path.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [chroma_executable(), "run", "--path", str(self.path), "--host", self.host, "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        self._log = log
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"chroma run exited early ({self.proc.returncode}):\n{self.log_tail()}")
            if self.heartbeat():
                self.start_seconds = time.perf_counter() - t0
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not answer its heartbeat within {timeout:.0f}s:\n{self.log_tail()}")

    def rss_mb(self) -> tuple[float | None, float | None]:
        """(current, peak) RSS of the server process."""
        if self.proc is None or self.proc.poll() is not None:
            return None, None
        return proc_rss_mb(self.proc.pid)

    def log_tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
