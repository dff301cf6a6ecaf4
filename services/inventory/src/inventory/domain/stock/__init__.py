"""Stock: the ledger of what is where, and the commands that move it."""
