"""Sales-order HTTP endpoints (admin) and the scanner SO lookup."""
