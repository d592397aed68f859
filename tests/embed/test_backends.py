"""Choosing the embedding backend: fast when verified, torch otherwise, never mixed."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder

from workbench.config import Settings
from workbench.embed.backends import choose_backend
from workbench.embed.backends.verify import (
    Verification,
    load_probe_set,
    nearest_other_group,
    neighbour_agreement,
    verify,
)
from workbench.embed.embedder import LazyEmbedder, embed_texts, model_slug, open_cache
from workbench.embed.modelref import resolve_model
from workbench.errors import ConfigError, ModelError


class StepRecorder:
    """Keeps every progress task as [description, total, advanced so far]."""

    def __init__(self) -> None:
        self.tasks: list[list] = []

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[object]:
        entry = [description, total, 0]
        self.tasks.append(entry)

        class _Task:
            def advance(self, n: int = 1) -> None:
                entry[2] += n

        yield _Task()


def _choose(settings: Settings, **changes: str):  # type: ignore[no-untyped-def]
    location, model_id = resolve_model(settings.model)
    return choose_backend(settings.replace(**changes), location, model_id)


def _record_file(settings: Settings) -> tuple[Path, str, str]:
    """Where the verification record of the bundled model goes, its backend and fingerprint."""
    ov = pytest.importorskip("workbench.embed.backends.openvino_runtime")
    if ov.openvino_version() is None:
        pytest.skip("openvino is not installed")
    location, model_id = resolve_model(settings.model)
    name = ov.backend_name(ov.cpu_precision())
    fingerprint = ov.model_fingerprint(location, model_id)
    folder = ov.runtime_dir(settings.embeddings_dir, model_slug(model_id), fingerprint)
    folder.parent.mkdir(parents=True)
    return folder.parent / f"{fingerprint}.{name}.json", name, fingerprint


def _record(name: str, fingerprint: str, agreement: float) -> str:
    passed = agreement >= 0.99
    return Verification(
        name,
        "sentence-transformers/all-MiniLM-L6-v2",
        fingerprint,
        "p",
        348,
        agreement,
        0.999,
        passed,
        "" if passed else f"top-1 neighbour agreement with torch {agreement:.1%} is below 99%",
    ).to_json()


def test_torch_when_asked(settings: Settings) -> None:
    choice = _choose(settings, backend="torch")
    assert (choice.name, choice.reason) == ("torch-fp32", "asked for torch")


def test_gpu_device_goes_to_torch_with_its_own_cache_key(settings: Settings) -> None:
    choice = _choose(settings, device="cuda")
    assert choice.name == "torch-fp32-cuda"
    with pytest.raises(ConfigError) as err:
        _choose(settings, device="cuda:0", backend="openvino")
    assert str(err.value) == (
        "--backend openvino runs on the CPU only, not on device "
        "'cuda:0'; use --backend torch for a GPU"
    )


def test_unknown_backend_is_rejected(settings: Settings) -> None:
    with pytest.raises(ConfigError) as err:
        _choose(settings, backend="onnx")
    assert str(err.value) == (
        "embedding backend 'onnx' is unknown; use one of auto, openvino, torch"
    )


def test_missing_openvino_falls_back_to_torch(settings: Settings, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino now fails
    with caplog.at_level(logging.INFO, logger="workbench"):
        choice = _choose(settings)
    assert (choice.name, choice.reason) == ("torch-fp32", "openvino is not installed")
    assert "embedding with torch: openvino is not installed" in caplog.text
    with pytest.raises(ModelError) as err:
        _choose(settings, backend="openvino")
    assert str(err.value) == (
        "--backend openvino asked for, but openvino is not installed; "
        "pip install openvino, or use --backend torch"
    )


def test_failed_verification_falls_back_to_torch_and_says_so(settings: Settings, caplog) -> None:  # type: ignore[no-untyped-def]
    record_file, name, fingerprint = _record_file(settings)
    record_file.write_text(_record(name, fingerprint, 0.97))
    with caplog.at_level(logging.INFO, logger="workbench"):
        choice = _choose(settings)
    assert choice.name == "torch-fp32"
    assert choice.reason == (
        "OpenVINO not used: top-1 neighbour agreement with torch 97.0% is below 99%"
    )
    assert "warning: embedding with torch, not OpenVINO: top-1 neighbour agreement" in caplog.text
    with pytest.raises(ModelError) as err:
        _choose(settings, backend="openvino")
    assert "the OpenVINO backend is not usable" in str(err.value)


def test_verified_backend_is_chosen_and_keys_its_own_cache(settings: Settings) -> None:
    record_file, name, fingerprint = _record_file(settings)
    record_file.write_text(_record(name, fingerprint, 1.0))
    fast = LazyEmbedder(settings)
    reference = LazyEmbedder(settings.replace(backend="torch"))
    assert fast.backend == name and reference.backend == "torch-fp32"
    assert not fast.loaded  # choosing did not load a model
    fast_cache, reference_cache = open_cache(settings, fast), open_cache(settings, reference)
    assert fast_cache.dir != reference_cache.dir
    embed_texts(["alpha"], FakeEmbedder(), reference_cache)
    assert len(open_cache(settings, fast)) == 0  # torch vectors are not visible to openvino


def test_loading_the_model_is_a_progress_step_named_after_model_and_backend(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.embed.embedder as embedder_module

    monkeypatch.setattr(embedder_module, "load_backend", lambda *args: FakeEmbedder())
    steps = StepRecorder()
    embedder = LazyEmbedder(settings.replace(backend="torch"), progress=steps)
    assert steps.tasks == []  # nothing is loaded before something has to be embedded
    embedder.encode(["a text"])
    embedder.encode(["another"])
    assert steps.tasks == [
        ["loading the model sentence-transformers/all-MiniLM-L6-v2 (torch-fp32)", 1, 1]
    ]


def test_agreement_counts_rows_whose_nearest_other_group_row_is_the_same() -> None:
    groups = np.array([0, 0, 1, 1])
    reference = np.array([[1, 0], [0, 1], [0.9, 0.1], [0.1, 0.9]], dtype=np.float32)
    assert nearest_other_group(reference, groups).tolist() == [2, 3, 0, 1]
    assert neighbour_agreement(reference, reference, groups) == 1.0
    swapped = reference.copy()
    swapped[2], swapped[3] = reference[3], reference[2]  # rows 0, 1, 2 and 3 change neighbours
    assert neighbour_agreement(reference, swapped, groups) == 0.0
    moved = reference.copy()
    moved[0] = [0.2, 0.8]  # only row 0 now prefers row 3
    assert neighbour_agreement(reference, moved, groups) == 0.75


def test_verify_rejects_an_encoder_that_moves_neighbours() -> None:
    probe = load_probe_set()
    assert len(probe.texts) == len(probe.groups) >= 300
    assert len(set(probe.texts)) == len(probe.texts)
    fake = FakeEmbedder()
    rng = np.random.default_rng(0)

    def noisy(texts):  # type: ignore[no-untyped-def]
        v = fake.encode(texts) + rng.normal(scale=0.3, size=(len(texts), fake.dim))
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    same = verify(fake.encode, fake.encode, probe, backend="b", model_id="m", fingerprint="f")
    assert same.passed and same.agreement == 1.0 and same.reason == ""
    bad = verify(fake.encode, noisy, probe, backend="b", model_id="m", fingerprint="f")
    assert not bad.passed and bad.agreement < 0.99
    assert bad.reason.startswith("top-1 neighbour agreement with torch ")
    assert Verification.from_json(bad.to_json()) == bad


@pytest.mark.model
def test_openvino_backend_matches_torch_and_loads_without_torch(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("openvino")
    steps = StepRecorder()
    fast = LazyEmbedder(settings, progress=steps)
    assert fast.backend.startswith("openvino-"), fast.choice.reason
    # the first use converts and checks the model: each step shows, none stays silent
    chunks = -(-len(load_probe_set().texts) // 64)
    assert steps.tasks == [
        ["loading the model sentence-transformers/all-MiniLM-L6-v2 (torch)", 1, 1],
        ["converting the model to OpenVINO (once per model)", 1, 1],
        [
            "checking OpenVINO's nearest neighbours against torch (once per model)",
            1 + 2 * chunks,
            1 + 2 * chunks,
        ],
    ]
    noise = capfd.readouterr().err
    assert "loss_type" not in noise and "Loading weights" not in noise, noise
    assert fast.choice.verification.agreement >= 0.99
    texts = [
        "Only 195 North Koreans reached the South in 2020.",
        "Floods destroyed roads.",
        "word " * 400,
    ]  # longer than the model's 256 tokens: truncated the same way
    reference = LazyEmbedder(settings.replace(backend="torch")).encode(texts)
    vectors = fast.encode(texts)
    assert steps.tasks[-1] == [
        f"loading the model sentence-transformers/all-MiniLM-L6-v2 ({fast.backend})",
        1,
        1,
    ]
    assert vectors.dtype == np.float32 and vectors.shape == reference.shape
    assert np.min(np.einsum("ij,ij->i", vectors, reference)) > 0.9999
    code = (
        "import sys; from workbench.config import Settings; from workbench.embed.embedder import "
        "load_embedder; e = load_embedder(Settings.load()); e.encode(['a text']); "
        "print(e.backend, 'torch' in sys.modules)"
    )
    env = {
        "WORKBENCH_EMBEDDINGS": str(settings.embeddings_dir),
        "HF_HUB_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.split() == [fast.backend, "False"], out.stderr


@pytest.mark.model
def test_gpu_device_without_a_gpu_says_what_to_do(settings: Settings) -> None:
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    embedder = LazyEmbedder(settings.replace(device="cuda"))
    assert embedder.backend == "torch-fp32-cuda"
    with pytest.raises(ModelError) as err:
        embedder.encode(["text"])
    assert str(err.value) == (
        "device 'cuda' asked for, but torch sees no CUDA GPU; "
        "set --device cpu (or WORKBENCH_DEVICE=cpu)"
    )


@pytest.mark.model
def test_loading_the_model_prints_no_library_noise_but_errors_still_show(tmp_path: Path) -> None:
    code = (
        "from workbench.config import Settings; from workbench.embed.embedder import "
        "LazyEmbedder; import sys; e = LazyEmbedder(Settings.load(backend='torch', "
        "model=sys.argv[1])); e.encode(['a text']); print('embedded')"
    )
    env = {
        "WORKBENCH_EMBEDDINGS": str(tmp_path / "emb"),
        "HF_HUB_OFFLINE": "1",
        "PATH": "/usr/bin:/bin",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    }
    ok = subprocess.run(
        [sys.executable, "-c", code, "sentence-transformers/all-MiniLM-L6-v2"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.stdout.strip() == "embedded", ok.stderr
    assert ok.stderr == ""
    bad = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "no-model")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode != 0 and "cannot load model" in bad.stderr


def test_the_model_loads_before_the_embedding_bar_opens_not_inside_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.embed.embedder as embedder_module

    monkeypatch.setattr(embedder_module, "load_backend", lambda *args: FakeEmbedder())
    steps = StepRecorder()
    embedder = LazyEmbedder(settings.replace(backend="torch"), progress=steps)
    cache = open_cache(settings, embedder)
    embed_texts(["one text", "another text"], embedder, cache, progress=steps)
    assert [(name.split(" (")[0], done) for name, _, done in steps.tasks] == [
        ("loading the model sentence-transformers/all-MiniLM-L6-v2", 1),
        ("embedding", 2),
    ]
