"""Tests of posture/metrics: per-stride metric formulas of each view."""
