"""The vector cache: vectors on disk keyed by text hash, per model and backend.

The cache is a folder of append-only shards (``.npy`` matrix plus a ``.keys`` file of text
hashes) per model and backend. A shard becomes visible only when its keys file is renamed
into place, so a crash mid-write leaves no half shard, and two processes embedding at once
write different shards instead of overwriting each other.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def model_slug(text: str) -> str:
    """A folder name for a model id: readable tail plus a short hash."""
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", text)[-60:].strip("_")
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


class VectorCache:
    """Vectors on disk keyed by text hash, for one model id and backend."""

    def __init__(self, root: Path, model_id: str, backend: str) -> None:
        self.dir = Path(root) / model_slug(model_id) / backend
        self.model_id = model_id
        self.backend = backend
        self._index: dict[str, tuple[int, int]] = {}
        self._shards: list[np.ndarray] = []
        self._seen: set[str] = set()
        self.refresh()

    def refresh(self) -> None:
        """Pick up shards written since the cache was opened (by this or another process)."""
        if not self.dir.exists():
            return
        for keys_file in sorted(self.dir.glob("*.keys")):
            if keys_file.name in self._seen:
                continue
            matrix_file = keys_file.with_suffix(".npy")
            try:
                keys = keys_file.read_text().split()
                matrix = np.load(matrix_file, mmap_mode="r")
            except (OSError, ValueError):
                continue  # unreadable shard: its texts are simply embedded again
            if matrix.ndim != 2 or matrix.shape[0] != len(keys):
                continue
            self._seen.add(keys_file.name)
            shard = len(self._shards)
            self._shards.append(matrix)
            for row, key in enumerate(keys):
                self._index.setdefault(key, (shard, row))

    def __len__(self) -> int:
        return len(self._index)

    @property
    def dim(self) -> int:
        """Vector length of the cached shards (0 when the cache is empty)."""
        return int(self._shards[0].shape[1]) if self._shards else 0

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def get(self, keys: Sequence[str], dim: int) -> np.ndarray:
        """Vectors for ``keys``, which must all be cached."""
        out = np.empty((len(keys), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            shard, row = self._index[key]
            out[i] = self._shards[shard][row]
        return out

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Write one new shard. The keys file is renamed in last: it commits the shard."""
        if not len(keys):
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"shard-{uuid.uuid4().hex}"
        matrix_tmp = self.dir / f".{name}.npy.tmp"
        keys_tmp = self.dir / f".{name}.keys.tmp"
        with open(matrix_tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(matrix_tmp, self.dir / f"{name}.npy")
        with open(keys_tmp, "w") as fh:
            fh.write("\n".join(keys) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(keys_tmp, self.dir / f"{name}.keys")
        self.refresh()
