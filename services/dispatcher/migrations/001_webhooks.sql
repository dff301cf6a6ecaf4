-- Webhook subscriptions, their signing secrets and the delivery attempts.
-- The subscription id is random (gen_random_uuid) so ids cannot be enumerated.

CREATE TABLE webhook_subscriptions (
    subscription_id     uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    display_name        varchar(128) NOT NULL CHECK (btrim(display_name) <> ''),
    delivery_url        text         NOT NULL CHECK (delivery_url ~ '^https?://'),
    -- {"event_types": [...]}; {} (or an empty list) means every event type.
    subscription_filter jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(subscription_filter) = 'object'),
    status              varchar(16)  NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'revoked')),
    created_at          timestamptz  NOT NULL DEFAULT now(),
    updated_at          timestamptz  NOT NULL DEFAULT now()
);

-- Two slots: generation 1 signs; during a rotation the previous secret sits in
-- generation 2 until expires_at, and deliveries carry a signature for each.
CREATE TABLE webhook_secrets (
    subscription_id   uuid        NOT NULL REFERENCES webhook_subscriptions ON DELETE CASCADE,
    generation        smallint    NOT NULL CHECK (generation IN (1, 2)),
    secret_ciphertext bytea       NOT NULL,  -- Fernet token under SENTRY_ENCRYPTION_KEY, never plaintext
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz,
    PRIMARY KEY (subscription_id, generation),
    CONSTRAINT webhook_secrets_current_never_expires CHECK (generation = 2 OR expires_at IS NULL)
);

-- One row per attempt; a failed attempt's successor is a new row, so the history
-- of a delivery is never overwritten. payload holds the exact bytes that are
-- signed and sent (the same bytes on every attempt).
CREATE TABLE webhook_deliveries (
    delivery_id      bigserial   PRIMARY KEY,
    -- RESTRICT: a subscription with delivery history is revoked, not deleted.
    subscription_id  uuid        NOT NULL REFERENCES webhook_subscriptions ON DELETE RESTRICT,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    attempt_number   smallint    NOT NULL CHECK (attempt_number BETWEEN 1 AND 8),
    status           varchar(16) NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'dlq')),
    scheduled_at     timestamptz NOT NULL DEFAULT now(),
    attempted_at     timestamptz,
    completed_at     timestamptz,
    http_status      smallint    CHECK (http_status BETWEEN 100 AND 999),
    response_time_ms integer     CHECK (response_time_ms >= 0),
    error_kind       varchar(32),
    payload          bytea       NOT NULL,
    CONSTRAINT webhook_deliveries_attempt_key UNIQUE (subscription_id, event_id, attempt_number)
);

-- The delivery worker's claim: due pending rows.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (scheduled_at) WHERE status = 'pending';
-- Reclaiming attempts whose worker died mid-send.
CREATE INDEX webhook_deliveries_in_flight_idx ON webhook_deliveries (attempted_at) WHERE status = 'in_flight';
-- A subscription's history, newest first.
CREATE INDEX webhook_deliveries_history_idx ON webhook_deliveries (subscription_id, delivery_id DESC);
