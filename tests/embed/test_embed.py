from pathlib import Path

import numpy as np
from conftest import FakeEmbedder

from workbench.embed.embedder import VectorCache, embed_texts


def test_second_run_embeds_nothing(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    texts = ["alpha beta", "gamma delta", "alpha beta", "epsilon"]
    cache = VectorCache(tmp_path, fake_embedder.model_id, fake_embedder.backend)
    first = embed_texts(texts, fake_embedder, cache)
    assert first.embedded == 3  # the repeated text is embedded once
    reopened = VectorCache(tmp_path, fake_embedder.model_id, fake_embedder.backend)
    second = embed_texts(texts, fake_embedder, reopened)
    assert second.embedded == 0 and second.cached == 4
    np.testing.assert_array_equal(first.vectors, second.vectors)
    np.testing.assert_allclose(first.vectors[0], fake_embedder.encode(["alpha beta"])[0])


def test_cache_is_keyed_by_model_and_backend(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    embed_texts(["alpha"], fake_embedder, VectorCache(tmp_path, "model-a", "torch-fp32"))
    other = VectorCache(tmp_path, "model-a", "openvino")
    assert "alpha" not in other and len(other) == 0


def test_shard_without_keys_file_is_ignored(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    cache = VectorCache(tmp_path, "m", "b")
    embed_texts(["one", "two"], fake_embedder, cache)
    keys = next(cache.dir.glob("*.keys"))
    keys.unlink()  # as if the process died between writing the matrix and its keys
    reopened = VectorCache(tmp_path, "m", "b")
    assert len(reopened) == 0
    assert embed_texts(["one", "two"], fake_embedder, reopened).embedded == 2


def test_texts_are_embedded_shortest_first_in_batches(tmp_path: Path) -> None:
    seen: list[list[str]] = []

    class Recorder(FakeEmbedder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            seen.append(list(texts))
            return super().encode(texts)

    texts = ["a" * n for n in (50, 10, 30, 20, 40)]
    embed_texts(texts, Recorder(), VectorCache(tmp_path, "m", "b"), batch_size=2)
    assert [len(t) for batch in seen for t in batch] == [10, 20, 30, 40, 50]
    assert [len(b) for b in seen] == [2, 2, 1]
