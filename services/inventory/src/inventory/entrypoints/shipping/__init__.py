"""Packing and shipping HTTP endpoints (any role, within warehouse scope)."""
