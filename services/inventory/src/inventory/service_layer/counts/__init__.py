"""Cycle-count commands."""
