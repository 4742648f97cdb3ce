"""Tests of posture/pose: the pose model over a clip, following the runner."""
