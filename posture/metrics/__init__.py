"""Per-stride metrics. Every metric is declared once in :mod:`posture.metrics.registry`
and defined in ``docs/metrics.md``."""
