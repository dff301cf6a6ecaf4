"""Picking HTTP endpoints: batches, waves, walk path, confirm and short (any role, within warehouse scope)."""
