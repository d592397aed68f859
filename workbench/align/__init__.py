"""Alignment: for every passage, its counterparts in the other documents.

- :mod:`~workbench.align.search`: candidate search (exact blocked top-k, approximate HNSW).
- :mod:`~workbench.align.scorer`: the learned pair scorer that rescores candidates.
- :mod:`~workbench.align.aligner`: pair features and the alignment stage itself.
- :mod:`~workbench.align.staleness`: whether the stored alignment matches the settings.
"""
