-- Idempotent consumers: an event id is recorded in the same transaction as the
-- effect it caused, so a redelivered event is recognised and skipped.
CREATE TABLE processed_events (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (consumer, event_id)
);

-- Events a consumer could not apply after its retries. Kept (never dropped) so an
-- operator can inspect, fix and replay them; the consumer moves on meanwhile.
CREATE TABLE consumer_dead_letters (
    id           bigserial   PRIMARY KEY,
    consumer     text        NOT NULL,
    event_id     uuid,
    topic        text        NOT NULL,
    kafka_partition integer  NOT NULL,
    kafka_offset bigint      NOT NULL,
    error        text        NOT NULL,
    payload      bytea       NOT NULL,
    failed_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
