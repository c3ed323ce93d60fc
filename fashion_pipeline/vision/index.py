"""The FAISS similarity index over unit-length item vectors, with its id map.

Exact inner-product search (IndexFlatIP) up to `exact_max_items` items, an approximate index
(HNSW by default, or IVF) above it. Vectors are L2-normalized, so inner product = cosine.

Saved as three files side by side, each written atomically:
  items.faiss            the FAISS index (row i = position i)
  items_ids.parquet      position -> item id
  items.faiss.json       kind, search parameters (IVF's nprobe is not stored in the index), and
                         the vector count, size and SHA-256 of the two files above

The JSON is written last and load_index verifies both files against it: an id map from one run
beside an index from another (a crash between the writes, a copy of one file) would make every
search return shifted asins, so it fails with an error naming the files instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np
import polars as pl

from fashion_pipeline import columns as C
from fashion_pipeline.sources.atomic import atomic_path, write_bytes, write_parquet
from fashion_pipeline.sources.errors import InconsistentDataError



@dataclass(frozen=True)
class IndexConfig:
    # Up to this many items, exact search: 23k x 1280-d is ~30M multiply-adds per query (a few ms),
    # so approximation buys nothing and loses recall. Above it, the approximate index below.
    exact_max_items: int = 100_000
    approximate: str = "hnsw"  # "hnsw" (no training, high recall) or "ivf" (smaller, faster to build)
    hnsw_m: int = 32  # graph degree: more = higher recall, more memory (M * 8 bytes per item per level)
    hnsw_ef_construction: int = 80  # build-time beam width
    # Query-time beam width, the recall/latency knob. 23,033 clustered 1280-d vectors, recall@10
    # vs exact: 64 -> 0.62, 128 -> 0.79, 256 -> 0.91, 512 -> 0.97 (latency roughly doubles each step).
    hnsw_ef_search: int = 256
    ivf_nlist: int | None = None  # clusters; None = 4 * sqrt(n), the usual rule
    ivf_nprobe: int = 64  # clusters visited per query; same data: 32 -> 0.75, 64 -> 0.85, 128 -> 0.93
    threads: int = 2  # OpenMP threads for build and batched search
    seed: int = 0  # IVF k-means seed


def index_kind(n_items: int, config: IndexConfig) -> str:
    return "exact" if n_items <= config.exact_max_items else config.approximate


def build_index(vectors: np.ndarray, config: IndexConfig = IndexConfig(), kind: str | None = None) -> faiss.Index:
    """An inner-product index over `vectors` (n, d); kind: "exact", "hnsw", "ivf", or None = by size."""
    faiss.omp_set_num_threads(config.threads)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = x.shape
    kind = kind or index_kind(n, config)
    if kind == "exact":
        index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
        index.hnsw.efSearch = config.hnsw_ef_search
    elif kind == "ivf":
        nlist = config.ivf_nlist or max(1, min(n // 39, int(4 * np.sqrt(n))))  # FAISS wants >= 39 points per cluster
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = config.seed
        index.train(x)
        index.nprobe = min(config.ivf_nprobe, nlist)
    else:
        raise ValueError(f"unknown index kind {kind!r}: exact, hnsw or ivf")
    index.add(x)
    return index


def search(index: faiss.Index, queries: np.ndarray, k: int, batch: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    """(scores (q, k), positions (q, k)); position -1 where the index has fewer than k items."""
    q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    k = max(1, min(k, index.ntotal)) if index.ntotal else max(1, k)
    scores, positions = [], []
    for start in range(0, len(q), batch):  # bounded memory for catalogue-wide queries
        s, p = index.search(q[start:start + batch], k)
        scores.append(s)
        positions.append(p)
    if not scores:
        return np.zeros((0, k), np.float32), np.zeros((0, k), np.int64)
    return np.concatenate(scores), np.concatenate(positions)


def save_index(index: faiss.Index, ids, path: str | Path, config: IndexConfig = IndexConfig()) -> Path:
    """Write `path` (e.g. data/index/items.faiss), its id map, then the JSON that binds the two."""
    path = Path(path)
    ids = [str(i) for i in ids]
    if len(ids) != index.ntotal:
        raise ValueError(f"{len(ids)} ids for an index of {index.ntotal} vectors")
    id_map = id_map_path(path)
    write_parquet(pl.DataFrame({C.INDEX_POSITION: np.arange(len(ids), dtype=np.int64), C.ITEM_ID: ids}), id_map)
    with atomic_path(path) as tmp:
        faiss.write_index(index, str(tmp))
    # Last: the JSON names the exact pair of files; until it is replaced, load_index refuses a
    # half-updated pair rather than serving one run's ids with another run's vectors.
    meta = {"kind": _kind_of(index), "items": index.ntotal, "dim": index.d, "config": asdict(config),
            "files": {path.name: _fingerprint(path), id_map.name: _fingerprint(id_map)}}
    write_bytes(json.dumps(meta, indent=2).encode(), meta_path(path))
    return path


def _fingerprint(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def meta_path(index_path: str | Path) -> Path:
    return Path(f"{index_path}.json")


def verify_index_files(path: str | Path) -> dict:
    """The index's JSON, after checking that the index and id map on disk are the ones it names.

    Raises InconsistentDataError naming the files when one was replaced without the other, or
    FileNotFoundError when a file is missing.
    """
    path = Path(path)
    id_map, meta_file = id_map_path(path), meta_path(path)
    for needed in (path, id_map, meta_file):
        if not needed.is_file():
            raise FileNotFoundError(f"{needed} not found: the similarity index is incomplete; "
                                    "materialize similarity_index again")
    meta = json.loads(meta_file.read_text())
    recorded = meta.get("files")
    if recorded is None:  # written before checksums were recorded: check what can be checked
        return meta
    for file in (path, id_map):
        want, have = recorded.get(file.name), None
        if want is not None:
            have = {"bytes": file.stat().st_size}
            if have["bytes"] == want["bytes"]:
                have = _fingerprint(file)
        if want is None or have != want:
            raise InconsistentDataError(
                f"{file} does not match {meta_file} (written with {path.name} and {id_map.name} as one unit): "
                f"the index and its id map come from different runs, and searching would return wrong asins; "
                "materialize similarity_index again"
            )
    return meta


def load_index(path: str | Path) -> tuple[faiss.Index, np.ndarray]:
    """(index with its search parameters restored, ids by position), verified as one unit."""
    path = Path(path)
    meta = verify_index_files(path)
    index = faiss.read_index(str(path))
    cfg = meta.get("config", {})
    faiss.omp_set_num_threads(cfg.get("threads", 2))
    if isinstance(index, faiss.IndexHNSWFlat) and "hnsw_ef_search" in cfg:
        index.hnsw.efSearch = cfg["hnsw_ef_search"]
    elif isinstance(index, faiss.IndexIVFFlat) and "ivf_nprobe" in cfg:
        index.nprobe = min(cfg["ivf_nprobe"], index.nlist)
    ids = pl.read_parquet(id_map_path(path)).sort(C.INDEX_POSITION)[C.ITEM_ID].to_numpy()
    if len(ids) != index.ntotal:
        raise InconsistentDataError(
            f"{id_map_path(path)} maps {len(ids):,} positions but {path} holds {index.ntotal:,} vectors: "
            "the two files come from different runs; materialize similarity_index again"
        )
    return index, ids


def id_map_path(index_path: str | Path) -> Path:
    p = Path(index_path)
    return p.with_name(f"{p.stem}_ids.parquet")


def _kind_of(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexHNSWFlat):
        return "hnsw"
    if isinstance(index, faiss.IndexIVFFlat):
        return "ivf"
    return "exact"


def drop_self(scores: np.ndarray, positions: np.ndarray, self_positions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The first k results per row that are not the query item itself (-1 / nan where fewer)."""
    keep = (positions != np.asarray(self_positions)[:, None]) & (positions >= 0)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :k]  # kept results first, in rank order
    rows = np.arange(len(positions))[:, None]
    kept = keep[rows, order]
    return np.where(kept, scores[rows, order], np.nan), np.where(kept, positions[rows, order], -1)


def similar_items(index: faiss.Index, ids: np.ndarray, vectors: np.ndarray, k: int = 10) -> pl.DataFrame:
    """Top-k neighbours of every indexed item (itself excluded): asin, rank (1..k), similar_asin, score.

    `vectors` are the items' own vectors in index order (row i = position i).
    """
    scores, positions = search(index, vectors, k + 1)
    scores, positions = drop_self(scores, positions, np.arange(len(vectors)), k)
    ids = np.asarray(ids, dtype=object)
    n, kk = positions.shape
    valid = positions.ravel() >= 0
    return pl.DataFrame({
        C.ITEM_ID: np.repeat(ids, kk)[valid].astype(str),
        C.RANK: np.tile(np.arange(1, kk + 1, dtype=np.int32), n)[valid],
        C.SIMILAR_ITEM_ID: ids[positions.ravel()[valid]].astype(str),
        C.SCORE: scores.ravel()[valid].astype(np.float32),
    })
