-- A table the library's integration tests use as "the effect" of a consumer.
CREATE TABLE probe_effects (
    event_id uuid PRIMARY KEY,
    note     text NOT NULL
);
