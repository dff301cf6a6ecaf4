"""Receiving commands: purchase orders, receive, undo, put-away."""
