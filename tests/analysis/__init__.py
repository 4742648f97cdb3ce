"""Tests of posture/analysis: one clip's analysis per view, quality flags, walking."""
