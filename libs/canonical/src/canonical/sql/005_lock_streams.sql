-- Lock several streams in one round trip, in the order given (the caller's global lock order, so two
-- commands never wait on each other crosswise), and return their versions, read once every lock is
-- held. A pick confirm locks five (orders, batch, item, bin, stock position): one round trip, not five.
-- Shared entries exclude only exclusive holders (e.g. an item's delete), as `pg_advisory_xact_lock_shared`.
CREATE FUNCTION lock_streams(p_stream_ids text[], p_shared boolean[]) RETURNS integer[]
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i integer;
    versions integer[];
BEGIN
    IF coalesce(array_length(p_stream_ids, 1), 0) <> coalesce(array_length(p_shared, 1), 0) THEN
        RAISE EXCEPTION 'lock_streams: % stream ids but % shared flags',
            array_length(p_stream_ids, 1), array_length(p_shared, 1);
    END IF;
    FOR i IN 1 .. coalesce(array_length(p_stream_ids, 1), 0) LOOP
        IF p_shared[i] THEN
            PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_stream_ids[i], 0));
        ELSE
            PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_ids[i], 0));
        END IF;
    END LOOP;
    -- A fresh snapshot (VOLATILE, READ COMMITTED): the versions include every previous holder's append.
    SELECT array_agg(coalesce((SELECT max(stream_version) FROM event_store WHERE stream_id = s.id), 0) ORDER BY s.n)
      INTO versions
      FROM unnest(p_stream_ids) WITH ORDINALITY AS s (id, n);
    RETURN coalesce(versions, '{}');
END
$$;
