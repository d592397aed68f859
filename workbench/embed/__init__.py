"""Embeddings: sentence-transformers models, their backends and the vector cache.

- :mod:`~workbench.embed.modelref`: which model a name or path means (the bundled copy).
- :mod:`~workbench.embed.cache`: the vector cache (append-only shards per model and backend).
- :mod:`~workbench.embed.embedder`: the embedder and the embedding stage, which fills the cache.
- :mod:`~workbench.embed.backends`: the ``Embedder`` interface, torch reference and OpenVINO
  runtimes, and their check.
"""
