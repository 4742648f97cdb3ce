"""Tests of posture/report: key frames, pictures, exports, PDF, annotated video."""
