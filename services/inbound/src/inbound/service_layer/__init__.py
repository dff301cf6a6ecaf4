"""Command handlers of the inbound service."""
