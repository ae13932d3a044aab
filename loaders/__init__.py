"""Ingestion of the data contract's files into a store: read, validate, reject, write, report."""

from loaders.load import LoadReport, load_directory

__all__ = ["LoadReport", "load_directory"]
