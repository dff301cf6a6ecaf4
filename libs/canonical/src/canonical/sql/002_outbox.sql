-- Transactional outbox: written in the same transaction as the events, drained
-- by the relay to Kafka. A row is deleted once the broker acknowledged it.
-- The id orders rows for the relay, but ids are allocated before commit, so the
-- relay never assumes "everything above the last id" was committed: it locks
-- what it can see with SKIP LOCKED and deletes what it published.
CREATE TABLE outbox (
    id            bigserial   PRIMARY KEY,
    event_id      uuid        NOT NULL UNIQUE,
    topic         text        NOT NULL,
    partition_key text        NOT NULL,
    payload       bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The relay sleeps on this channel; the notification is delivered at commit.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
