"""Receiving HTTP endpoints: purchase orders, receive, undo, put-away (v1.7 paths and fields)."""
