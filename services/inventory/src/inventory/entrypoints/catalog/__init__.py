"""Catalog HTTP endpoints (v1.7 paths and fields): warehouses, zones, bins, items, preferred bins, settings."""
