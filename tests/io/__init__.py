"""Tests of posture/io: video intake and the pose cache."""
