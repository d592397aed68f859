"""Ingestion: one reader per format, boilerplate removal and the metadata manifest.

The batch entry point is :func:`workbench.ingest.batch.ingest_paths`.
"""
