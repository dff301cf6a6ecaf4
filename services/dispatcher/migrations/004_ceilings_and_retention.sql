-- The pending ceiling (integration-security 4.7.1/4.7.4): a subscription whose unfinished
-- deliveries reach it is paused (`pending_ceiling`), so a dead endpoint's backlog is bounded.
ALTER TABLE webhook_subscriptions
    ADD COLUMN pending_ceiling integer NOT NULL DEFAULT 10000 CHECK (pending_ceiling BETWEEN 100 AND 100000),
    DROP CONSTRAINT webhook_subscriptions_pause_reason_check,
    ADD CONSTRAINT webhook_subscriptions_pause_reason_check
        CHECK (pause_reason IN ('manual', 'dlq_ceiling', 'pending_ceiling', 'auto_disabled'));

-- Retention walks finished attempts by age; stats and the error views read recent attempts.
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (completed_at)
    WHERE status IN ('succeeded', 'failed', 'dlq', 'aborted');
CREATE INDEX webhook_deliveries_recent_by_subscription_idx ON webhook_deliveries (subscription_id, completed_at)
    WHERE completed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_errors_idx ON webhook_deliveries (delivery_id DESC) WHERE status IN ('failed', 'dlq');
