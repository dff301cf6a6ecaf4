"""Read models, updated in the transaction that appends the events they are built from."""
