-- The claim walks each sendable subscription's own pending rows in event order
-- (adapters/delivery_store.py), so one subscription's backlog never hides another's.
CREATE INDEX webhook_deliveries_pending_by_subscription_idx
    ON webhook_deliveries (subscription_id, event_seq, delivery_id) WHERE status = 'pending';
