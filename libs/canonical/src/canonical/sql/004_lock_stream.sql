-- Lock a stream for the rest of the transaction and return its version: one round trip where a
-- command took two (every command locks the streams it decides on, a pick confirm three).
-- A VOLATILE plpgsql function on purpose: each statement in it takes a fresh snapshot under READ
-- COMMITTED, so the version is read after the lock is granted and includes the previous holder's
-- append. (One plain SQL statement would read with the snapshot taken before it waited.)
CREATE FUNCTION lock_stream(p_stream_id text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_id, 0));
    RETURN coalesce((SELECT max(stream_version) FROM event_store WHERE stream_id = p_stream_id), 0);
END
$$;
