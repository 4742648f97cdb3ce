"""Tests of posture/synth: the synthetic runner, its renderer and the accuracy sweep."""
