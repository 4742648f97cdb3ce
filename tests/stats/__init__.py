"""Tests of posture/stats: early versus late, clip versus clip, null comparisons."""
