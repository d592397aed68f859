"""Embedding backends: the stock torch model, and faster runtimes verified against it.

``auto`` (the default) embeds with OpenVINO when it is installed and the device is the
CPU, but only after checking, once per model, that OpenVINO finds the same nearest
neighbours as torch on a probe set (:mod:`workbench.embed.backends.verify`). A model that fails
the check, cannot be converted, or runs on a GPU is embedded with torch instead, and the
workbench says so. The backend's name is part of the vector-cache key, so vectors from
two backends are never mixed.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import ConfigError, ModelError
from workbench.progress import SILENT, Reporter

if TYPE_CHECKING:
    import numpy as np

    from workbench.config import Settings
    from workbench.embed.backends.verify import Verification

BACKENDS = ("auto", "openvino", "torch")
PROBE_CHUNK = 64
"""Probe texts embedded at a time while checking a backend (one progress step each)."""
logger = logging.getLogger("workbench")


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors: every backend, and
    :class:`workbench.embed.embedder.LazyEmbedder` in front of them."""

    model_id: str
    backend: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class BackendChoice:
    """Which backend embeds a model's texts, and why (shown to the analyst)."""

    name: str
    reason: str
    verification: Verification | None = None
    runtime: Path | None = None
    reference_model: Any = field(default=None, repr=False)
    """A torch model the choice had to load anyway (for the check), to be reused."""


def choose_backend(
    settings: Settings, location: str, model_id: str, *, progress: Reporter = SILENT
) -> BackendChoice:
    """Pick the backend for ``model_id``; may convert and verify the model the first time.

    The first time takes up to a minute on a small CPU (load torch, convert, embed the
    probe set twice); each of those steps is a task on ``progress``.
    """
    from workbench.embed.backends.reference import reference_backend_name

    requested = settings.backend.strip().lower()
    if requested not in BACKENDS:
        raise ConfigError(
            f"embedding backend {settings.backend!r} is unknown; use one of {', '.join(BACKENDS)}"
        )
    torch_name = reference_backend_name(settings.device)
    if requested == "torch":
        return BackendChoice(torch_name, "asked for torch")
    if torch_name != "torch-fp32":
        if requested == "openvino":
            raise ConfigError(
                f"--backend openvino runs on the CPU only, not on device {settings.device!r}; "
                "use --backend torch for a GPU"
            )
        return BackendChoice(torch_name, f"device {settings.device}")
    from workbench.embed.backends import openvino_runtime as ov

    if ov.openvino_version() is None:
        if requested == "openvino":
            raise ModelError(
                "--backend openvino asked for, but openvino is not installed; "
                "pip install openvino, or use --backend torch"
            )
        logger.info(
            "embedding with torch: openvino is not installed "
            "(pip install openvino for faster embedding)"
        )
        return BackendChoice(torch_name, "openvino is not installed")
    choice = _openvino_choice(settings, location, model_id, progress)
    if choice.verification is not None and choice.verification.passed:
        return choice
    reason = choice.reason
    if requested == "openvino":
        raise ModelError(
            f"the OpenVINO backend is not usable for {model_id}: {reason}; use --backend torch"
        )
    logger.warning("warning: embedding with torch, not OpenVINO: %s", reason)
    return BackendChoice(
        torch_name,
        f"OpenVINO not used: {reason}",
        choice.verification,
        reference_model=choice.reference_model,
    )


def _openvino_choice(
    settings: Settings, location: str, model_id: str, progress: Reporter = SILENT
) -> BackendChoice:
    """The OpenVINO backend for the model, converted and verified if not done before."""
    from workbench.embed.backends import openvino_runtime as ov
    from workbench.embed.backends.verify import Verification, load_probe_set, verify
    from workbench.embed.cache import model_slug

    name = ov.backend_name(ov.cpu_precision())
    fingerprint = ov.model_fingerprint(location, model_id)
    folder = ov.runtime_dir(settings.embeddings_dir, model_slug(model_id), fingerprint)
    record_file = folder.parent / f"{fingerprint}.{name}.json"
    if record_file.exists():
        record = Verification.from_json(record_file.read_text())
        return BackendChoice(name, _describe(record), record, folder)
    from workbench.embed.backends.reference import (
        SentenceTransformerEmbedder,
        load_sentence_transformer,
    )

    logger.info("checking the OpenVINO backend for %s against torch (once per model)...", model_id)
    probe = load_probe_set()
    with progress.task(f"loading the model {model_id} (torch)", 1) as task:
        st_model = load_sentence_transformer(location, model_id, "cpu")
        task.advance()
    try:
        if not (folder / "runtime.json").exists():
            with progress.task("converting the model to OpenVINO (once per model)", 1) as task:
                ov.convert(st_model, folder, probe.texts)
                task.advance()
        chunks = -(-len(probe.texts) // PROBE_CHUNK)
        with progress.task(
            "checking OpenVINO's nearest neighbours against torch (once per model)",
            1 + 2 * chunks,
        ) as task:
            fast = ov.OpenVINOEmbedder(folder, model_id, name, batch_size=settings.batch_size)
            task.advance()
            reference = SentenceTransformerEmbedder(
                location, model_id, model=st_model, batch_size=settings.batch_size
            )

            def advancing(encode: Callable[[Sequence[str]], np.ndarray]) -> Callable[..., Any]:
                """``encode`` in chunks, advancing the task after each (torch takes a minute
                for the probe set on a busy CPU: the bar should move meanwhile)."""

                def run(texts: Sequence[str]) -> np.ndarray:
                    import numpy

                    parts = []
                    for lo in range(0, len(texts), PROBE_CHUNK):
                        parts.append(numpy.asarray(encode(texts[lo : lo + PROBE_CHUNK])))
                        task.advance()
                    return numpy.concatenate(parts).astype(numpy.float32)

                return run

            record = verify(
                advancing(reference.encode),
                advancing(fast.encode),
                probe,
                backend=name,
                model_id=model_id,
                fingerprint=fingerprint,
            )
    except (ov.ConversionError, ModelError) as exc:
        record = Verification(
            name,
            model_id,
            fingerprint,
            probe.digest,
            len(probe.texts),
            0.0,
            0.0,
            False,
            f"cannot convert the model: {exc}",
        )
    except Exception as exc:  # tracing raises anything; a failure must not stop the run
        record = Verification(
            name,
            model_id,
            fingerprint,
            probe.digest,
            len(probe.texts),
            0.0,
            0.0,
            False,
            f"conversion failed ({type(exc).__name__}: {exc})",
        )
    _write_atomic(record_file, record.to_json())
    if record.passed:
        logger.info("%s", _describe(record))
    return BackendChoice(name, _describe(record), record, folder, reference_model=st_model)


def _describe(record: Verification) -> str:
    if not record.passed:
        return record.reason
    return (
        f"{record.backend}: top-1 neighbour agreement with torch {record.agreement:.1%} "
        f"on {record.texts} probe texts"
    )


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def load_backend(
    choice: BackendChoice, settings: Settings, location: str, model_id: str
) -> Embedder:
    """The embedder for a choice made by :func:`choose_backend`."""
    if choice.runtime is not None and choice.verification and choice.verification.passed:
        from workbench.embed.backends.openvino_runtime import OpenVINOEmbedder

        return OpenVINOEmbedder(
            choice.runtime, model_id, choice.name, batch_size=settings.batch_size
        )
    from workbench.embed.backends.reference import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        location,
        model_id,
        device=settings.device,
        batch_size=settings.batch_size,
        model=choice.reference_model,
    )
