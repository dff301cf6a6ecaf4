"""Storage for applying canonical records: id links, outcomes, customers and vendors."""
