"""Tests of posture/gait: contacts, toe-offs, strides and cadence of every view."""
