"""Findings: what to tell the runner, ranked, with reference ranges."""
