"""Read-side queries over the projections."""
