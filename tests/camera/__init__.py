"""Tests of posture/camera: view, roll, scene lines, orientation, cuts."""
