-- Subscription options, endpoint health, ordering, replays, the dispatcher's event log
-- (the v1.7 wire envelope's int64 event_id) and polling consumer groups.

ALTER TABLE webhook_subscriptions
    ADD COLUMN signature_profile     varchar(16) NOT NULL DEFAULT 'standard'
                                     CHECK (signature_profile IN ('standard', 'sentry_v1')),
    ADD COLUMN pause_reason          varchar(16)
                                     CHECK (pause_reason IN ('manual', 'dlq_ceiling', 'auto_disabled')),
    ADD COLUMN rate_limit_per_second smallint    NOT NULL DEFAULT 50 CHECK (rate_limit_per_second BETWEEN 1 AND 100),
    ADD COLUMN max_concurrency       smallint    NOT NULL DEFAULT 4 CHECK (max_concurrency BETWEEN 1 AND 16),
    ADD COLUMN dlq_ceiling           integer     NOT NULL DEFAULT 1000 CHECK (dlq_ceiling BETWEEN 10 AND 100000),
    -- Circuit breaker and auto-disable (domain/endpoint_health.py).
    ADD COLUMN consecutive_failures  integer     NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    ADD COLUMN failing_since         timestamptz,
    ADD COLUMN breaker_open_until    timestamptz,
    ADD CONSTRAINT webhook_subscriptions_pause_reason_only_when_paused
        CHECK (pause_reason IS NULL OR status = 'paused');

-- Replays re-run a delivery from attempt 1: `run` tells the runs of one event apart.
-- event_seq is the event's place in the dispatcher's log and ordering_key its aggregate
-- (CloudEvent subject): a subscription gets one aggregate's events in event_seq order.
ALTER TABLE webhook_deliveries
    ADD COLUMN run           smallint NOT NULL DEFAULT 0 CHECK (run >= 0),
    ADD COLUMN event_seq     bigint,
    ADD COLUMN ordering_key  text,
    DROP CONSTRAINT webhook_deliveries_attempt_key,
    ADD CONSTRAINT webhook_deliveries_attempt_key UNIQUE (subscription_id, event_id, run, attempt_number),
    DROP CONSTRAINT webhook_deliveries_status_check,
    ADD CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'dlq', 'aborted')),
    DROP CONSTRAINT webhook_deliveries_attempt_number_check,
    ADD CONSTRAINT webhook_deliveries_attempt_number_check CHECK (attempt_number BETWEEN 1 AND 20);

-- The ordering gate of the claim: unfinished rows of one aggregate for one subscription.
CREATE INDEX webhook_deliveries_unfinished_idx ON webhook_deliveries (subscription_id, ordering_key, event_seq)
    WHERE status IN ('pending', 'in_flight');
CREATE INDEX webhook_deliveries_dlq_idx ON webhook_deliveries (subscription_id, completed_at DESC)
    WHERE status = 'dlq';

-- A purged subscription leaves its URL behind: re-using it needs an explicit acknowledgement,
-- so a receiver that was cut off is not silently re-subscribed (v1.7 V-300). Never deleted.
CREATE TABLE webhook_subscription_tombstones (
    tombstone_id           bigserial   PRIMARY KEY,
    subscription_id        uuid        NOT NULL,
    delivery_url_at_delete text        NOT NULL,
    delivery_url_canonical text        NOT NULL,
    deleted_at             timestamptz NOT NULL DEFAULT now(),
    deleted_by             text        NOT NULL,
    acknowledged_at        timestamptz,
    acknowledged_by        text
);
CREATE INDEX webhook_subscription_tombstones_open_idx ON webhook_subscription_tombstones (delivery_url_canonical)
    WHERE acknowledged_at IS NULL;

-- Batch replays, kept for their throttles and as the record of who replayed what.
CREATE TABLE webhook_replay_batches (
    batch_id        bigserial   PRIMARY KEY,
    subscription_id uuid        NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    requested_by    text        NOT NULL,
    filter          jsonb       NOT NULL,
    matched         integer     NOT NULL
);
CREATE INDEX webhook_replay_batches_recent_idx ON webhook_replay_batches (requested_at DESC);

-- Every event the dispatcher consumed, numbered in commit order (writers serialise on an
-- advisory lock, so a reader paging by event_id never skips a row that commits late).
CREATE TABLE integration_events (
    event_id        bigserial   PRIMARY KEY,
    cloudevent_id   uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    event_version   integer     NOT NULL,
    event_timestamp timestamptz NOT NULL,
    aggregate_type  text,
    aggregate_id    text,
    warehouse_id    integer,
    source_txn_id   text,
    data            jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_events_type_idx ON integration_events (event_type, event_id);
CREATE INDEX integration_events_warehouse_idx ON integration_events (warehouse_id, event_id);

CREATE TABLE consumer_groups (
    consumer_group_id varchar(64) PRIMARY KEY CHECK (consumer_group_id ~ '^[A-Za-z0-9._-]+$'),
    connector_id      varchar(64),
    last_cursor       bigint      NOT NULL DEFAULT 0 CHECK (last_cursor >= 0),
    last_heartbeat    timestamptz,
    subscription      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(subscription) = 'object'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consumer_groups_tombstones (
    consumer_group_id     varchar(64) PRIMARY KEY,
    last_cursor_at_delete bigint      NOT NULL,
    connector_id          varchar(64),
    deleted_at            timestamptz NOT NULL DEFAULT now(),
    deleted_by            text        NOT NULL
);
