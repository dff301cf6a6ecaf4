-- Background imports: how far a long import has got. Written outside the import's
-- own transaction (which commits all rows at once at the end), so it can be read
-- while the import runs. Operational state, not a projection.
CREATE TABLE import_jobs (
    job_id      uuid        PRIMARY KEY,
    entity_type varchar(32) NOT NULL,
    created_by  text        NOT NULL,
    status      varchar(16) NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    total       integer     NOT NULL,
    processed   integer     NOT NULL DEFAULT 0,
    result      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_jobs_created_idx ON import_jobs (created_at);
