"""Canonical records from the inbound service, as inventory applies them (pure: no I/O)."""
