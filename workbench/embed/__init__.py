"""Embeddings: sentence-transformers models, their backends and the vector cache.

- :mod:`~workbench.embed.modelref`: which model a name or path means (the bundled copy).
- :mod:`~workbench.embed.embedder`: the embedder, the vector cache and the embedding stage.
- :mod:`~workbench.embed.backends`: torch reference and OpenVINO runtimes, and their check.
"""
