-- The service's source of truth: one append-only stream of events per aggregate.
-- (stream_id, stream_version) is unique, which is the optimistic-concurrency check:
-- two writers that read the same version cannot both append the next one.
CREATE TABLE event_store (
    global_position bigserial   PRIMARY KEY,
    stream_id       text        NOT NULL,
    stream_version  integer     NOT NULL CHECK (stream_version >= 1),
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  smallint    NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT event_store_stream_version_key UNIQUE (stream_id, stream_version)
);

CREATE INDEX event_store_type_idx ON event_store (event_type, global_position);
CREATE INDEX event_store_recorded_idx ON event_store (recorded_at);

-- History is never rewritten; a correction is a new event.
CREATE FUNCTION event_store_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'event_store is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER event_store_no_update BEFORE UPDATE ON event_store
    FOR EACH ROW EXECUTE FUNCTION event_store_is_append_only();
CREATE TRIGGER event_store_no_delete BEFORE DELETE ON event_store
    FOR EACH ROW EXECUTE FUNCTION event_store_is_append_only();
