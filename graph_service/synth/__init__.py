"""Synthetic national registry: seeded contract files plus the planted cases in ``truth.json``.

>>> from graph_service.synth import generate
>>> summary = generate(Path("data/demo"), entities=10_000, seed=42)  # doctest: +SKIP
"""

from graph_service.synth.generator import SynthSummary, generate

__all__ = ["SynthSummary", "generate"]
