"""Command handlers and the unit of work."""
