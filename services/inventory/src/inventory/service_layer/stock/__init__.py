"""Stock commands: adjustments and transfers, over the ledger."""
