"""Gait events (contacts, toe-offs, strides, cadence) of every view."""
