"""Tests of posture/findings: what to tell the runner."""
