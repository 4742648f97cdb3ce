"""Tests of posture/signal: cleaning landmark signals, leg identity."""
