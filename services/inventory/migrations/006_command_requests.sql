-- Command idempotency: a client that repeats X-Request-ID gets the first result
-- back and the command applies once. The row is claimed inside the command's own
-- transaction (so "applied" and "claimed" commit together); the response is
-- stored right after, for replays.
CREATE TABLE command_requests (
    request_id  uuid        PRIMARY KEY,
    actor       text        NOT NULL,
    method      text        NOT NULL,
    path        text        NOT NULL,
    status_code integer,
    body        bytea,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX command_requests_created_idx ON command_requests (created_at);
