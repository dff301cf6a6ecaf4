"""Receiving: purchase orders, receipts and put-away."""
