"""Cleaning landmark signals: leg identity, outliers, gaps, low-pass."""
