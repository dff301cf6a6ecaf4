-- One row per retention run, so an operator can see the job really runs and what it did.
CREATE TABLE inbound_retention_runs (
    run_id          bigserial    PRIMARY KEY,
    started_at      timestamptz  NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    retention_days  integer      NOT NULL,
    rows_nullified  bigint       NOT NULL DEFAULT 0,
    status          varchar(10)  NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    error_message   varchar(500)
);
