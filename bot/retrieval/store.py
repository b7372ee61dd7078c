"""Chroma access: the embedded PersistentClient by default, a Chroma server when configured.

The index lives in generations. Ingest writes a complete new pair of collections
(passages, sentences), then flips one manifest record to point at them. Readers follow
the manifest, so a failed or interrupted ingest leaves the previous generation answering.
"""

from __future__ import annotations

import time
import uuid
from functools import cached_property
from typing import Any
from urllib.parse import urlparse

from bot.config import Settings, offline_environment
from bot.errors import StoreUnavailable

MANIFEST = "bot_manifest"
GRACE_SECONDS = 600  # a generation younger than this may belong to an ingest still running


def _client(settings: Settings):
    offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreUnavailable(f"BOT_CHROMA_URL is not an http(s) URL: {settings.chroma_url!r}")
        headers = {"Authorization": f"Bearer {settings.chroma_token}"} if settings.chroma_token else None
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            headers=headers,
            settings=chroma_settings,
        )
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class Store:
    """The vector store behind retrieval and ingest. Every Chroma failure becomes StoreUnavailable."""

    def __init__(self, settings: Settings):
        self.settings = settings

    @cached_property
    def client(self):
        try:
            return _client(self.settings)
        except StoreUnavailable:
            raise
        except Exception as exc:  # connection refused, bad path, server error
            raise StoreUnavailable(f"cannot open the vector store: {exc}") from exc

    def call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as exc:
            # A server that went away surfaces as many exception types; all mean the same here.
            raise StoreUnavailable(f"vector store error: {type(exc).__name__}: {exc}") from exc

    def collection(self, name: str, create: bool = False):
        if create:
            return self.call(self.client.get_or_create_collection, name,
                              metadata={"hnsw:space": "cosine"}, embedding_function=None)
        return self.call(self.client.get_collection, name, embedding_function=None)

    @property
    def active_id(self) -> str:
        """The manifest record of this collection name: several corpora can share a server."""
        return f"active:{self.settings.collection}"

    def manifest(self) -> dict[str, Any] | None:
        """The active generation's record, or None when nothing was ever ingested."""
        col = self.collection(MANIFEST, create=True)
        got = self.call(col.get, ids=[self.active_id], include=["metadatas"])
        metas = got.get("metadatas") or []
        return dict(metas[0]) if metas and metas[0] else None

    def require_manifest(self) -> dict[str, Any]:
        manifest = self.manifest()
        if not manifest:
            raise StoreUnavailable("the index is empty: run `python ingest.py` (or `make ingest`)")
        return manifest

    def active(self):
        """(manifest, passages collection, sentences collection) of the active generation."""
        manifest = self.require_manifest()
        return (manifest, self.collection(manifest["passages"]), self.collection(manifest["sentences"]))

    def new_generation(self) -> tuple[str, Any, Any]:
        gen = f"{self.settings.collection}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
        return (gen, self.collection(f"{gen}-passages", create=True),
                self.collection(f"{gen}-sentences", create=True))

    def activate(self, gen: str, info: dict[str, Any]) -> None:
        """Point readers at generation `gen` in one write; remember the one it replaces."""
        col = self.collection(MANIFEST, create=True)
        previous = (self.manifest() or {}).get("generation", "")
        meta = {"generation": gen, "passages": f"{gen}-passages", "sentences": f"{gen}-sentences",
                "previous": previous, "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        meta.update({k: v for k, v in info.items() if isinstance(v, str | int | float | bool)})
        self.call(col.upsert, ids=[self.active_id], embeddings=[[1.0]], metadatas=[meta], documents=[gen])

    def drop_inactive(self, grace_seconds: float = GRACE_SECONDS) -> list[str]:
        """Delete old generations. Kept: the active one, the one it replaced (running
        instances still read it until they notice the flip), and any younger than the
        grace period (it may be another ingest's work in progress)."""
        manifest = self.manifest() or {}
        keep = {manifest.get("generation"), manifest.get("previous")}
        prefix = f"{self.settings.collection}-"
        now = time.time()
        dropped = []
        for col in self.call(self.client.list_collections):
            name = col if isinstance(col, str) else col.name
            if not name.startswith(prefix) or not name.endswith(("-passages", "-sentences")):
                continue
            gen = name.rsplit("-", 1)[0]
            if gen in keep or now - _born(gen) < grace_seconds:
                continue
            self.call(self.client.delete_collection, name)
            dropped.append(name)
        return dropped

    def ping(self) -> None:
        self.call(self.client.heartbeat)


def _born(gen: str) -> float:
    """When a generation was created, from its name (collection-YYYYmmddHHMMSS-xxxxxx)."""
    try:
        stamp = gen.rsplit("-", 2)[-2]
        return time.mktime(time.strptime(stamp, "%Y%m%d%H%M%S")) - time.timezone
    except (IndexError, ValueError):
        return 0.0


def fetch_all(col, include: list[str], batch: int = 5000) -> dict[str, list]:
    """Every record of a collection, paged so a large index does not make one huge request."""
    out: dict[str, list] = {"ids": []}
    for key in include:
        out[key] = []
    offset = 0
    while True:
        got = col.get(include=include, limit=batch, offset=offset)
        ids = got.get("ids") or []
        if not ids:
            break
        out["ids"].extend(ids)
        for key in include:
            value = got.get(key)
            out[key].extend(list(value) if value is not None else [None] * len(ids))
        offset += len(ids)
        if len(ids) < batch:
            break
    return out
