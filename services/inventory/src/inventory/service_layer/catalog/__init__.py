"""Catalog commands: warehouses, zones, bins, items."""
