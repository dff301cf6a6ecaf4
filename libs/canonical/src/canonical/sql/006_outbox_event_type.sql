-- The relay sends each event's type as a Kafka header (`ce_type`), so a consumer that applies only some
-- types of a topic skips the others without parsing them, and without a transaction when a whole poll is
-- skipped (inventory's inbound worker and the inbound service share a topic and each skips the other's
-- half of it). Nullable: rows a previous release's writer queued during a rolling upgrade have none, and
-- consumers parse those.
ALTER TABLE outbox ADD COLUMN event_type text;
