"""Event envelope (CloudEvents 1.0) and the registry of event types and their schemas."""
