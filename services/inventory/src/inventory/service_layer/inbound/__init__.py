"""Applying the inbound service's canonical records through inventory's own command handlers."""
