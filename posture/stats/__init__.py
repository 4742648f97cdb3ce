"""Comparisons: early versus late, clip versus clip, trends."""
