-- Signed Merkle checkpoints, read models for the query API, and a set-based
-- chain verifier (same answers as the row-by-row one of 001, one pass).

-- The hash expressions below measure text with octet_length, which counts
-- bytes in the database encoding: they equal the UTF-8 lengths of the
-- documented encoding only in a UTF8 database.
DO $$
BEGIN
    IF current_setting('server_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'the audit database must use the UTF8 encoding, not %', current_setting('server_encoding');
    END IF;
END;
$$;

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- One row per signed tree head. `frontier` holds the roots of the perfect
-- subtrees of the tree (largest first): the next checkpoint hashes only the
-- rows added since. Signed text: see src/audit/domain/checkpoint.py.
CREATE TABLE audit_checkpoints (
    tree_size  bigint       PRIMARY KEY CHECK (tree_size > 0),
    root_hash  bytea        NOT NULL,
    head_hash  bytea        NOT NULL,  -- row_hash of log_id = tree_size
    frontier   bytea[]      NOT NULL,
    signed_at  timestamptz  NOT NULL,
    key_id     text         NOT NULL,
    signature  bytea        NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();

-- Names the query API shows beside ids, learnt from the events themselves
-- (services never read each other's tables). Not hashed: a read model that
-- can be rebuilt from the log.
CREATE TABLE audit_entity_names (
    entity_type text NOT NULL,
    entity_id   text NOT NULL,
    name        text NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
);

CREATE TABLE audit_warehouses (
    warehouse_id   integer PRIMARY KEY,
    warehouse_code text    NOT NULL
);

CREATE INDEX audit_log_actor_idx ON audit_log (actor, created_at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_warehouse_idx ON audit_log (warehouse_id, created_at);

-- The row hash of 001, rewritten as one expression (same bytes: each field is
-- "<utf8 length>:<utf8 text>" or "-:" for NULL, the texts concatenated and
-- encoded once). 001's version calls audit_field and audit_timestamp per field,
-- and every call of a non-inlined SQL function costs microseconds per row.
CREATE OR REPLACE FUNCTION audit_row_hash(entry audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(entry.prev_hash || convert_to(
           coalesce(octet_length(entry.log_id::text) || ':' || entry.log_id::text, '-:')
        || coalesce(octet_length(entry.event_id::text) || ':' || entry.event_id::text, '-:')
        || coalesce(octet_length(entry.action_type) || ':' || entry.action_type, '-:')
        || coalesce(octet_length(entry.entity_type) || ':' || entry.entity_type, '-:')
        || coalesce(octet_length(entry.entity_id) || ':' || entry.entity_id, '-:')
        || coalesce(octet_length(entry.actor) || ':' || entry.actor, '-:')
        || coalesce(octet_length(entry.warehouse_id::text) || ':' || entry.warehouse_id::text, '-:')
        || coalesce(octet_length(entry.device_id) || ':' || entry.device_id, '-:')
        || coalesce(octet_length(entry.details) || ':' || entry.details, '-:')
        || coalesce(octet_length(to_char(entry.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                    || ':' || to_char(entry.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '-:')
        || coalesce(octet_length(to_char(entry.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                    || ':' || to_char(entry.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '-:'),
        'UTF8'))
$$;

-- Same contract as 001 (first broken log_id: wrong link, wrong hash, a gap,
-- rows missing at the end according to the head; NULL when intact), and a
-- replayed event (an event_id recorded twice, possible only once someone has
-- dropped the unique constraint) is broken at its second occurrence.
-- Set-based instead of 001's plpgsql loop: links, gaps and duplicates come from
-- window functions over the primary key; hashes are recomputed by a (parallel)
-- scan with audit_row_hash's expression written inline, because a function call
-- per row costs more than the hashing itself. The first bad row is the smallest
-- position flagged, as a row's position is never below an earlier row's.
-- The integration tests check this agrees with audit_row_hash and with Python.
CREATE OR REPLACE FUNCTION verify_audit_log_chain() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH links AS (
        SELECT log_id,
               coalesce(lag(log_id) OVER by_id, 0) + 1 AS expected_id,
               coalesce(lag(row_hash) OVER by_id, '\x00'::bytea) AS expected_prev,
               prev_hash
        FROM audit_log
        WINDOW by_id AS (ORDER BY log_id)
    ),
    bad_link AS (
        SELECT min(LEAST(log_id, expected_id)) AS log_id
        FROM links
        WHERE log_id <> expected_id OR prev_hash IS DISTINCT FROM expected_prev
    ),
    replayed AS (
        -- While the unique index on event_id stands, no event can be in the log twice, so the
        -- sort this search costs is only paid once someone has dropped it.
        SELECT min(log_id) AS log_id
        FROM (SELECT log_id, row_number() OVER (PARTITION BY event_id ORDER BY log_id) AS occurrence
              FROM audit_log) AS numbered
        WHERE occurrence > 1
          AND NOT EXISTS (
              SELECT 1 FROM pg_index AS unique_index
              JOIN pg_attribute AS event_column
                ON event_column.attrelid = unique_index.indrelid AND event_column.attname = 'event_id'
              WHERE unique_index.indrelid = 'audit_log'::regclass
                AND unique_index.indisunique AND unique_index.indisvalid AND unique_index.indpred IS NULL
                AND unique_index.indnkeyatts = 1 AND unique_index.indkey[0] = event_column.attnum)
    ),
    bad_hash AS (
        -- "+ 0" keeps the planner from walking the primary key in order, one hash at a time.
        SELECT min(entry.log_id + 0) AS log_id
        FROM audit_log AS entry
        WHERE sha256(entry.prev_hash || convert_to(
               coalesce(octet_length(entry.log_id::text) || ':' || entry.log_id::text, '-:')
            || coalesce(octet_length(entry.event_id::text) || ':' || entry.event_id::text, '-:')
            || coalesce(octet_length(entry.action_type) || ':' || entry.action_type, '-:')
            || coalesce(octet_length(entry.entity_type) || ':' || entry.entity_type, '-:')
            || coalesce(octet_length(entry.entity_id) || ':' || entry.entity_id, '-:')
            || coalesce(octet_length(entry.actor) || ':' || entry.actor, '-:')
            || coalesce(octet_length(entry.warehouse_id::text) || ':' || entry.warehouse_id::text, '-:')
            || coalesce(octet_length(entry.device_id) || ':' || entry.device_id, '-:')
            || coalesce(octet_length(entry.details) || ':' || entry.details, '-:')
            || coalesce(octet_length(to_char(entry.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                        || ':' || to_char(entry.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '-:')
            || coalesce(octet_length(to_char(entry.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                        || ':' || to_char(entry.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '-:'),
            'UTF8')) IS DISTINCT FROM entry.row_hash
    ),
    tail AS (
        SELECT coalesce(max(log_id), 0) + 1 AS next_id FROM audit_log
    )
    SELECT coalesce(
        LEAST((SELECT log_id FROM bad_link), (SELECT log_id FROM replayed), (SELECT log_id FROM bad_hash)),
        (SELECT tail.next_id FROM tail JOIN audit_chain_head head
            ON head.chain = 'main' AND head.last_log_id >= tail.next_id)
    )
$$;

CREATE FUNCTION audit_merkle_root(frontier bytea[]) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    accumulated bytea;
BEGIN
    IF coalesce(cardinality(frontier), 0) = 0 THEN
        RETURN sha256(''::bytea);
    END IF;
    accumulated := frontier[cardinality(frontier)];
    FOR i IN REVERSE cardinality(frontier) - 1 .. 1 LOOP
        accumulated := sha256('\x01'::bytea || frontier[i] || accumulated);
    END LOOP;
    RETURN accumulated;
END;
$$;

-- The tree size of the first checkpoint the log does not back: its head hash
-- is not the row_hash of row tree_size (row edited, deleted, or checkpoint
-- swapped), its frontier has the wrong shape, or its root is not the root of
-- its frontier. NULL when every checkpoint holds. Signatures and the Merkle
-- roots against the rows themselves are checked by the offline verifier
-- (python -m audit.verify), which has the public key.
CREATE FUNCTION verify_audit_checkpoints() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT min(checkpoint.tree_size)
    FROM audit_checkpoints AS checkpoint
    LEFT JOIN audit_log AS entry ON entry.log_id = checkpoint.tree_size
    WHERE entry.row_hash IS DISTINCT FROM checkpoint.head_hash
       OR coalesce(cardinality(checkpoint.frontier), 0) <> length(replace(checkpoint.tree_size::bit(64)::text, '0', ''))
       OR audit_merkle_root(checkpoint.frontier) IS DISTINCT FROM checkpoint.root_hash
$$;
