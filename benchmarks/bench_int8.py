"""Can INT8 OpenVINO embed faster than the stock call and keep the same neighbours?

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_int8.py
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_int8.py --variants fp32 int8-mixed

Needs ``nncf`` (pip install nncf, after torch). The bundled model is converted to OpenVINO
fp32 once (as the product does), then quantised with NNCF in several ways (``--variants``):

- ``int8-*``: post-training static quantisation (weights and activations), calibrated on
  texts used nowhere else: the runs of consecutive sentences of the bundled corpus that
  come after the first ``--texts`` of ``bench_speed.corpus_texts`` (never a probe text,
  never a benchmark text).
- ``w8``: weights-only INT8 (``nncf.compress_weights``), activations stay fp32.

For each variant, printed:

1. agreement: top-1 cross-document neighbour agreement with torch computed exactly as
   ``workbench.embed.backends.verify`` does, on the shipped probe set (the check the product
   would run), and on the benchmark texts against the stock call (as ``bench_speed``);
2. speed: the variant run by the product's ``OpenVINOEmbedder`` against the stock
   ``SentenceTransformer.encode`` call (batch 32) on the same texts (the bundled corpus
   repeated to ``--texts`` passages), interleaved chunk by chunk for ``--rounds`` rounds,
   with the load average; per round and median.

Nothing here asserts anything; quantised models are cached in ``--work``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_speed import corpus_texts, machine  # noqa: E402

from workbench.embed.backends import openvino_runtime as ov  # noqa: E402
from workbench.embed.backends.verify import (  # noqa: E402
    load_probe_set,
    nearest_other_group,
    neighbour_agreement,
)


def calibration_inputs(folder: Path, texts: list[str]) -> list[dict[str, np.ndarray]]:
    """One model input (batch of one, unpadded) per calibration text."""
    from tokenizers import Tokenizer

    meta = json.loads((folder / "runtime.json").read_text())
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    ov._configure(tok, int(meta["max_length"]))
    items = []
    for e in ov._encode_batch(tok, texts, bool(meta["lower_case"])):
        arrays = {
            "input_ids": np.array([e.ids], dtype=np.int64),
            "attention_mask": np.ones((1, len(e.ids)), dtype=np.int64),
            "token_type_ids": np.array([e.type_ids], dtype=np.int64),
        }
        items.append({k: arrays[k] for k in meta["inputs"]})
    return items


def quantise(
    variant: str,
    fp32: Path,
    target: Path,
    calibration: list[str],
    validation: tuple[list[str], np.ndarray],
    max_drop: float,
) -> None:
    """Write the quantised model for ``variant`` into ``target`` (beside its tokenizer)."""
    import nncf
    import openvino

    if (target / "model.xml").exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    for name in ("runtime.json", "tokenizer.json"):
        shutil.copy(fp32 / name, target / name)
    model = openvino.Core().read_model(str(fp32 / "model.xml"))
    if variant == "w8":
        q = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    elif variant == "int8-ac":
        q = _with_accuracy_control(model, fp32, calibration, validation, max_drop)
    else:
        options = VARIANTS[variant]
        data = nncf.Dataset(calibration_inputs(fp32, calibration))
        q = nncf.quantize(
            model,
            data,
            preset=options.get("preset", nncf.QuantizationPreset.MIXED),
            model_type=nncf.ModelType.TRANSFORMER,
            subset_size=len(calibration),
            fast_bias_correction=options.get("fast_bias_correction", True),
            ignored_scope=options.get("ignored_scope"),
            advanced_parameters=options.get("advanced"),
        )
    openvino.save_model(q, str(target / "model.xml"), compress_to_fp16=False)


def _with_accuracy_control(
    model: object,
    fp32: Path,
    calibration: list[str],
    validation: tuple[list[str], np.ndarray],
    max_drop: float,
) -> object:
    """Static INT8, then NNCF puts back to fp32 the operations that cost most agreement.

    The metric is top-1 cross-document neighbour agreement with the fp32 model on the
    validation texts (none of them a calibration, probe or benchmark text).
    """
    import nncf

    texts, groups = validation
    reference = ov.OpenVINOEmbedder(fp32, "bench", "bench").encode(texts)
    items = list(enumerate(calibration_inputs(fp32, texts)))

    def validate(compiled: object, data: object) -> tuple[float, list[float]]:
        rows, vectors = [], []
        for index, inputs in data:
            rows.append(index)
            vectors.append(compiled(inputs)[0][0])  # type: ignore[operator]
        v = np.asarray(vectors, dtype=np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        g = groups[rows]
        ref = nearest_other_group(reference[rows], g)
        hits = (nearest_other_group(v, g) == ref).astype(float)
        return float(hits.mean()), hits.tolist()

    return nncf.quantize_with_accuracy_control(
        model,
        nncf.Dataset(calibration_inputs(fp32, calibration)),
        nncf.Dataset(items, lambda item: item[1]),
        validate,
        max_drop=max_drop,
        preset=nncf.QuantizationPreset.MIXED,
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(calibration),
        advanced_accuracy_restorer_parameters=nncf.AdvancedAccuracyRestorerParameters(
            ranking_subset_size=min(len(texts), 200), num_ranking_workers=1
        ),
    )


def _variants() -> dict[str, dict]:
    import nncf

    def sq(alpha: float) -> nncf.AdvancedQuantizationParameters:
        return nncf.AdvancedQuantizationParameters(
            smooth_quant_alphas=nncf.AdvancedSmoothQuantParameters(matmul=alpha)
        )

    last = nncf.IgnoredScope(patterns=[r".*layer\.5\..*"], validate=False)
    return {
        "int8-mixed": {},
        "int8-sq0.5": {"advanced": sq(0.5)},
        "int8-nosq": {"advanced": sq(-1)},
        "int8-mixed-last-fp32": {"ignored_scope": last},
        "int8-sq0.5-last-fp32": {"advanced": sq(0.5), "ignored_scope": last},
        "int8-mixed-biascorr": {"fast_bias_correction": False},
    }


VARIANTS: dict[str, dict] = {}


def embedder(
    folder: Path, batch_size: int, hint: str = "THROUGHPUT"
) -> Callable[[list[str]], np.ndarray]:
    """The product's embedder on ``folder``, optionally compiled with another hint."""
    import openvino

    e = ov.OpenVINOEmbedder(folder, "bench", "bench", batch_size=batch_size)
    if hint != "THROUGHPUT":
        core = openvino.Core()
        e.compiled = core.compile_model(
            core.read_model(str(folder / "model.xml")), "CPU", {"PERFORMANCE_HINT": hint}
        )
        jobs = int(e.compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        e.queue = openvino.AsyncInferQueue(e.compiled, max(1, jobs))
    return e.encode


def w8_sweep(fp32: Path, work: Path, validation: tuple[list[str], np.ndarray]) -> None:
    """Weights-only INT8 with parts of the model left fp32: agreement with the fp32 model."""
    import nncf
    import openvino

    probe = load_probe_set()
    texts, groups = validation
    reference = ov.OpenVINOEmbedder(fp32, "bench", "bench")
    ref_val, ref_probe = reference.encode(texts), reference.encode(probe.texts)
    layer = r".*layer\.{k}\..*"
    sweep: dict[str, list[str]] = {
        "all": [],
        "feed-forward only": [r".*attention.*"],
        "attention Q, K, V only": [r".*(intermediate|output)\.dense.*"],
        **{f"all but layer {k}": [layer.format(k=k)] for k in range(6)},
        "all but layers 0 and 5": [layer.format(k=0), layer.format(k=5)],
    }
    print("\n## Weights-only INT8, parts left fp32: agreement with the fp32 model")
    for name, patterns in sweep.items():
        for mode in ("INT8_ASYM", "INT8_SYM") if name == "all" else ("INT8_ASYM",):
            model = openvino.Core().read_model(str(fp32 / "model.xml"))
            scope = nncf.IgnoredScope(patterns=patterns, validate=False) if patterns else None
            compressed = nncf.compress_weights(
                model, mode=getattr(nncf.CompressWeightsMode, mode), ignored_scope=scope
            )
            folder = work / "sweep" / f"{name.replace(' ', '-')}-{mode}"
            folder.mkdir(parents=True, exist_ok=True)
            for file in ("runtime.json", "tokenizer.json"):
                shutil.copy(fp32 / file, folder / file)
            openvino.save_model(compressed, str(folder / "model.xml"), compress_to_fp16=False)
            e = ov.OpenVINOEmbedder(folder, "bench", "bench")
            v, p = e.encode(texts), e.encode(probe.texts)
            print(
                f"{name:24s} {mode:9s} validation {neighbour_agreement(ref_val, v, groups):7.2%}"
                f"  probe set {neighbour_agreement(ref_probe, p, probe.groups):7.2%}"
                f"  min cos {np.einsum('ij,ij->i', ref_probe, p).min():.5f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".cache" / "int8")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--calibration", type=int, default=300)
    parser.add_argument("--validation", type=int, default=300, help="for int8-ac")
    parser.add_argument("--max-drop", type=float, default=0.005, help="for int8-ac")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["fp32", "w8", "int8-mixed"],
        help="fp32, w8, int8-mixed, int8-sq0.5, ..., int8-ac; or MODEL:HINT:BATCH, e.g. "
        "fp32:LATENCY:8, for the same model compiled with another performance hint",
    )
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--w8-sweep", action="store_true", help="only the weights-only sweep")
    args = parser.parse_args()
    VARIANTS.update(_variants())

    from sentence_transformers import SentenceTransformer

    from workbench.config import Settings
    from workbench.embed.embedder import LazyEmbedder

    print(f"# bench_int8: {machine()}")
    location = LazyEmbedder(Settings.load(progress=False)).location
    stock = SentenceTransformer(location, device="cpu")
    probe = load_probe_set()
    fp32 = args.work / "fp32"
    if not (fp32 / "runtime.json").exists():
        fp32.parent.mkdir(parents=True, exist_ok=True)
        ov.convert(stock, fp32, probe.texts)
    every, groups_all = corpus_texts(100_000)
    texts, groups = every[: args.texts], groups_all[: args.texts]
    held = set(probe.texts) | set(texts)
    pool = [(t, g) for t, g in zip(every, groups_all, strict=True) if t not in held]
    step = max(1, len(pool) // (args.calibration + args.validation))
    calibration = [t for t, _ in pool[::step][: args.calibration]]
    picked = pool[step // 2 :: step][: args.validation] if step > 1 else pool[-args.validation :]
    validation = ([t for t, _ in picked], np.array([g for _, g in picked]))
    print(
        f"calibration: {len(calibration)} texts (mean {np.mean([len(t) for t in calibration]):.0f}"
        f" chars), none in the {len(probe.texts)} probe texts or the {len(texts)} benchmark texts"
    )
    if args.w8_sweep:
        w8_sweep(fp32, args.work, validation)
        return
    folders = {"fp32": fp32}
    runtime_variants = {}  # "fp32:LATENCY:8": the fp32 model, another hint and batch size
    for v in args.variants:
        if ":" in v:
            base, hint, *batch = v.split(":")
            runtime_variants[v] = (base, hint, int(batch[0]) if batch else args.batch_size)
            continue
        if v != "fp32":
            folders[v] = args.work / f"{v}-c{len(calibration)}"
            if v == "int8-ac":
                folders[v] = (
                    args.work / f"{v}-c{len(calibration)}-v{args.validation}-{args.max_drop}"
                )
            t0 = time.perf_counter()
            quantise(v, fp32, folders[v], calibration, validation, args.max_drop)
            print(f"{v}: quantised in {time.perf_counter() - t0:.0f} s", flush=True)

    def run_stock(part: list[str], batch_size: int = 32) -> np.ndarray:
        return stock.encode(part, batch_size=batch_size, normalize_embeddings=True)

    ref_probe = run_stock(probe.texts, 16)  # verify.py's reference: the product's batch size
    ref_texts = run_stock(texts)
    encoders = {v: embedder(f, args.batch_size) for v, f in folders.items()}
    for v, (base, hint, batch) in runtime_variants.items():
        encoders[v] = embedder(folders[base], batch, hint)
    print("\n## Agreement with torch (top-1 cross-document neighbour)")
    print(
        f"{'variant':28s} {'probe set':>10s} {'min cos':>9s} {'bench texts':>12s} {'min cos':>9s}"
    )
    for v, enc in encoders.items():
        p, b = enc(probe.texts), enc(texts)
        print(
            f"{v:28s} {neighbour_agreement(ref_probe, p, probe.groups):10.2%} "
            f"{np.einsum('ij,ij->i', ref_probe, p).min():9.5f} "
            f"{neighbour_agreement(ref_texts, b, groups):12.2%} "
            f"{np.einsum('ij,ij->i', ref_texts, b).min():9.5f}",
            flush=True,
        )
    if args.no_speed:
        return
    print(
        f"\n## Speed against the stock call (batch 32), {len(texts)} texts, "
        f"chunks of {args.chunk}, interleaved; OpenVINO batch {args.batch_size}"
    )
    runs: dict[str, Callable[[list[str]], np.ndarray]] = {"stock": run_stock, **encoders}
    for enc in runs.values():
        enc(texts[:64])
    ratios: dict[str, list[float]] = {v: [] for v in encoders}
    for r in range(args.rounds):
        wall = dict.fromkeys(runs, 0.0)
        order = list(runs)
        for i, lo in enumerate(range(0, len(texts), args.chunk)):
            part = texts[lo : lo + args.chunk]
            k = i % len(order)
            for name in order[k:] + order[:k]:
                t0 = time.perf_counter()
                runs[name](part)
                wall[name] += time.perf_counter() - t0
        line = f"round {r + 1}: stock {len(texts) / wall['stock']:5.1f} texts/s"
        for v in encoders:
            ratios[v].append(wall["stock"] / wall[v])
            line += f"; {v} {len(texts) / wall[v]:5.1f}/s {ratios[v][-1]:.2f}x"
        print(f"{line} (load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"median over {args.rounds} rounds, speed-up over the stock call:")
    for v in encoders:
        print(f"  {v:28s} {statistics.median(ratios[v]):.2f}x")
    print(f"# done; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
