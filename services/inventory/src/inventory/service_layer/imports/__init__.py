"""Bulk imports."""
