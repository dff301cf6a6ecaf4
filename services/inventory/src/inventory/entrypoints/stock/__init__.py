"""Stock HTTP endpoints: moves and adjustments (v1.7 paths and fields)."""
