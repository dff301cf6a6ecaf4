"""Reads the command side needs, on the caller's transaction."""
