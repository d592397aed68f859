"""The OpenVINO backend: the same model, converted once, run without torch.

The first time a model is used, its whole sentence-transformers pipeline (transformer,
pooling, any dense and normalise layers) is traced from torch and saved as an OpenVINO
model beside the vector cache, with the model's fast tokenizer. From then on embedding
needs only ``openvino`` and ``tokenizers``: a cold process loads it in well under a second
instead of the seconds torch takes, and on a CPU it runs faster, with texts sorted by token
count into small batches, two of them in flight at once.

Whether it may be used is decided by :mod:`workbench.embed.backends.verify`, not here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import ModelError

RUNTIME_VERSION = 1
"""Bumped whenever the conversion changes, so converted models are rebuilt."""
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class ConversionError(Exception):
    """The model cannot be run by this backend (a reason, not a crash)."""


def openvino_version() -> str | None:
    """The installed OpenVINO version, or None when the package is missing or broken."""
    try:
        import openvino
    except ImportError:
        return None
    return str(openvino.__version__).split("-")[0]


def cpu_precision() -> str:
    """The precision OpenVINO picks on this CPU: ``f32``, or ``bf16`` where the CPU has it."""
    import openvino

    hint = openvino.Core().get_property("CPU", "INFERENCE_PRECISION_HINT")
    return str(getattr(hint, "get_type_name", lambda: hint)()).lower()


def backend_name(precision: str) -> str:
    """The vector-cache key of this backend at ``precision``, e.g. ``openvino-f32``."""
    return f"openvino-{precision}"


def model_fingerprint(location: str, model_id: str) -> str:
    """What the converted model depends on: the model's files, this code and OpenVINO."""
    digest = hashlib.sha256(f"{model_id}\0{RUNTIME_VERSION}\0{openvino_version()}".encode())
    folder = Path(location)
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(f"{path.relative_to(folder)}\0{path.stat().st_size}\0".encode())
            if path.suffix == ".json" and path.stat().st_size < 1_000_000:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def runtime_dir(root: Path, model_slug: str, fingerprint: str) -> Path:
    """Where the converted model for one fingerprint lives (never rewritten once there)."""
    return Path(root) / model_slug / "openvino-runtime" / fingerprint


def convert(st_model: Any, target: Path, check_texts: Sequence[str]) -> None:
    """Trace ``st_model`` (a loaded SentenceTransformer) into an OpenVINO model at ``target``.

    Raises ConversionError when the model is not a text model this backend can run the
    same way, e.g. a slow tokenizer or inputs other than token ids, mask and token types.
    The tokenizer's output is checked token for token against sentence-transformers' own
    on ``check_texts``. Written to a temporary folder and renamed, so a half-written model
    is never seen and two processes converting at once do not collide.
    """
    import openvino
    import torch

    from workbench.embed.backends.reference import quiet_transformers

    tokenizer = getattr(st_model, "tokenizer", None)
    fast = getattr(tokenizer, "backend_tokenizer", None)
    if fast is None:
        raise ConversionError("the model has no fast (Rust) tokenizer")
    first = st_model[0]
    lower_case = bool(getattr(first, "do_lower_case", False))
    max_length = int(st_model.max_seq_length)
    sample = list(check_texts[:4]) or ["probe"]
    features = st_model.preprocess(sample)
    names = [k for k, v in features.items() if isinstance(v, torch.Tensor)]
    if set(names) - set(INPUTS) or not {"input_ids", "attention_mask"} <= set(names):
        raise ConversionError(f"the model takes inputs {names}; only {list(INPUTS)} are supported")
    constants = {k: v for k, v in features.items() if not isinstance(v, torch.Tensor)}

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = st_model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            inputs = {"input_ids": input_ids, "attention_mask": attention_mask, **constants}
            if token_type_ids is not None:
                inputs["token_type_ids"] = token_type_ids
            return self.model(inputs)["sentence_embedding"]

    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        fast_copy = type(fast).from_str(fast.to_str())
        _configure(fast_copy, max_length)
        fast_copy.save(str(tmp / "tokenizer.json"))
        _check_tokens(st_model, fast_copy, check_texts, lower_case, names)
        with torch.no_grad(), warnings.catch_warnings(), quiet_transformers():
            warnings.simplefilter("ignore")  # tracer warnings about python control flow
            example = {k: features[k] for k in names}
            converted = openvino.convert_model(Pipeline().eval(), example_input=example)
        openvino.save_model(converted, str(tmp / "model.xml"), compress_to_fp16=False)
        meta = {
            "inputs": names,
            "max_length": max_length,
            "lower_case": lower_case,
            "dim": int(st_model.get_embedding_dimension()),
            "runtime": RUNTIME_VERSION,
            "openvino": openvino_version(),
        }
        (tmp / "runtime.json").write_text(json.dumps(meta, indent=1) + "\n")
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "runtime.json").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _configure(tokenizer: Any, max_length: int) -> None:
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)


def _check_tokens(
    st_model: Any, tokenizer: Any, texts: Sequence[str], lower_case: bool, names: list[str]
) -> None:
    """Raise ConversionError unless ``tokenizer`` gives sentence-transformers' exact inputs."""
    for lo in range(0, len(texts), 64):
        chunk = list(texts[lo : lo + 64])
        expected = st_model.preprocess(chunk)
        ours = _encode_batch(tokenizer, chunk, lower_case)
        for i, encoding in enumerate(ours):
            n = len(encoding.ids)
            mask = expected["attention_mask"][i]
            if (
                int(mask.sum()) != n
                or expected["input_ids"][i][:n].tolist() != encoding.ids
                or (
                    "token_type_ids" in names
                    and expected["token_type_ids"][i][:n].tolist() != encoding.type_ids
                )
            ):
                raise ConversionError(
                    f"the tokenizer file gives other tokens than sentence-transformers for "
                    f"{chunk[i][:60]!r}"
                )


def _encode_batch(tokenizer: Any, texts: Sequence[str], lower_case: bool) -> list[Any]:
    return tokenizer.encode_batch([t.lower() for t in texts] if lower_case else list(texts))


class OpenVINOEmbedder:
    """Embeds with a converted model: L2-normalised float32, like the reference backend."""

    def __init__(self, folder: Path, model_id: str, backend: str, *, batch_size: int = 16) -> None:
        try:
            import openvino
            from tokenizers import Tokenizer

            meta = json.loads((folder / "runtime.json").read_text())
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            core = openvino.Core()
            model = core.read_model(str(folder / "model.xml"))
            self.compiled = core.compile_model(model, "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"})
            jobs = int(self.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
            self.queue = openvino.AsyncInferQueue(self.compiled, max(1, jobs))
        except Exception as exc:  # a damaged or foreign folder: say where and what to do
            raise ModelError(
                f"cannot load the OpenVINO model in {folder}: {exc}. Delete that folder to "
                "rebuild it, or set --backend torch"
            ) from None
        _configure(self.tokenizer, int(meta["max_length"]))
        self.inputs = list(meta["inputs"])
        self.lower_case = bool(meta["lower_case"])
        self.dim = int(meta["dim"])
        self.model_id = model_id
        self.backend = backend
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = _encode_batch(self.tokenizer, texts, self.lower_case)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")

        def store(request: Any, rows: np.ndarray) -> None:
            out[rows] = request.get_output_tensor(0).data

        self.queue.set_callback(store)
        for lo in range(0, len(order), self.batch_size):
            rows = order[lo : lo + self.batch_size]
            width = int(lengths[rows].max())
            arrays = {name: np.zeros((len(rows), width), dtype=np.int64) for name in self.inputs}
            for r, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                arrays["input_ids"][r, :n] = e.ids
                arrays["attention_mask"][r, :n] = 1
                if "token_type_ids" in arrays:
                    arrays["token_type_ids"][r, :n] = e.type_ids
            self.queue.start_async(arrays, rows)
        self.queue.wait_all()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
