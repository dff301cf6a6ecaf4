"""Master data: warehouses, zones, bins, items."""
