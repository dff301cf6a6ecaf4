"""Mapping documents: how one source system's payloads become canonical records."""
