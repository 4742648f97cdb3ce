"""Pose landmarks: running the pose model over a clip, following the runner."""
