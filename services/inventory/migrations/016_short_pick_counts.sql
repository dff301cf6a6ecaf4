-- A short pick opens a cycle count of its bin; the report shows that count and
-- how it settled the held units (NULL outcome: still held, count not settled).
ALTER TABLE short_picks
    ADD COLUMN count_id         integer,
    ADD COLUMN count_outcome    varchar(16)
        CHECK (count_outcome IN ('MATCHED', 'UNCOUNTED', 'ADJUSTED', 'REJECTED')),
    ADD COLUMN count_settled_at timestamptz;
-- Commands find a count's hold through it.
CREATE UNIQUE INDEX short_picks_count_idx ON short_picks (count_id);
