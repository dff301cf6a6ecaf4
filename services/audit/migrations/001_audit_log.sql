-- Tamper-evident audit log. Rows are written only by the audit consumer (one
-- writer per chain at a time: it holds the chain head row lock), never updated
-- or deleted; the hash of each row covers every stored column and the row
-- before it. Encoding: see src/audit/domain/chain.py (kept identical here).

CREATE TABLE audit_chain_head (
    chain       text    PRIMARY KEY,
    last_log_id bigint  NOT NULL,
    last_hash   bytea   NOT NULL
);

CREATE TABLE audit_log (
    log_id       bigint       PRIMARY KEY,
    event_id     uuid         NOT NULL UNIQUE,
    action_type  varchar(64)  NOT NULL,
    entity_type  varchar(64)  NOT NULL,
    entity_id    text         NOT NULL,
    actor        text         NOT NULL,
    warehouse_id integer,
    device_id    text,
    details      text         NOT NULL,  -- RFC 8785 canonical JSON, hashed exactly as stored
    created_at   timestamptz  NOT NULL,  -- when it happened (event time)
    recorded_at  timestamptz  NOT NULL,  -- when the audit log recorded it
    prev_hash    bytea        NOT NULL,
    row_hash     bytea        NOT NULL
);

CREATE INDEX audit_log_created_idx ON audit_log (created_at);
CREATE INDEX audit_log_action_idx ON audit_log (action_type, created_at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE FUNCTION audit_field(value text) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN convert_to('-:', 'UTF8')
                ELSE convert_to(octet_length(convert_to(value, 'UTF8'))::text || ':', 'UTF8')
                     || convert_to(value, 'UTF8') END
$$;

CREATE FUNCTION audit_timestamp(moment timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(moment AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION audit_row_hash(entry audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(
        entry.prev_hash
        || audit_field(entry.log_id::text)
        || audit_field(entry.event_id::text)
        || audit_field(entry.action_type)
        || audit_field(entry.entity_type)
        || audit_field(entry.entity_id)
        || audit_field(entry.actor)
        || audit_field(entry.warehouse_id::text)
        || audit_field(entry.device_id)
        || audit_field(entry.details)
        || audit_field(audit_timestamp(entry.created_at))
        || audit_field(audit_timestamp(entry.recorded_at)))
$$;

-- Returns the log_id of the first row that breaks the chain (wrong link, wrong
-- hash, or a gap in log_id), the id after the last row when rows are missing at
-- the end (the head knows how far the chain went), or NULL when it is intact.
CREATE FUNCTION verify_audit_log_chain() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    entry audit_log;
    expected_prev bytea := '\x00'::bytea;
    expected_id bigint := 1;
    head_id bigint;
BEGIN
    FOR entry IN SELECT * FROM audit_log ORDER BY log_id LOOP
        IF entry.log_id <> expected_id
           OR entry.prev_hash IS DISTINCT FROM expected_prev
           OR audit_row_hash(entry) IS DISTINCT FROM entry.row_hash THEN
            RETURN LEAST(entry.log_id, expected_id);
        END IF;
        expected_prev := entry.row_hash;
        expected_id := entry.log_id + 1;
    END LOOP;
    SELECT last_log_id INTO head_id FROM audit_chain_head WHERE chain = 'main';
    IF head_id IS NOT NULL AND head_id >= expected_id THEN
        RETURN expected_id;
    END IF;
    RETURN NULL;
END;
$$;
