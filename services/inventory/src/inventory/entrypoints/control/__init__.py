"""Inventory control HTTP endpoints: lookups, history."""
