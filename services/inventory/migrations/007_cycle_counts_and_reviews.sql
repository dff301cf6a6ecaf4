-- Cycle counts and adjustment reviews (read models; the truth is the
-- `cycle-count-<id>` and `adjustment-<id>` streams in event_store).
CREATE SEQUENCE cycle_count_id_seq;
CREATE SEQUENCE count_line_id_seq;

CREATE TABLE cycle_counts (
    count_id      integer     PRIMARY KEY,
    external_id   uuid        NOT NULL UNIQUE,
    warehouse_id  integer     NOT NULL,
    bin_id        integer     NOT NULL,
    status        varchar(16) NOT NULL,
    assigned_to   text        NOT NULL,
    created_at    timestamptz NOT NULL,
    submitted_by  text,
    completed_at  timestamptz
);
CREATE INDEX cycle_counts_created_idx ON cycle_counts (created_at DESC, count_id DESC);
CREATE INDEX cycle_counts_bin_idx ON cycle_counts (bin_id);

CREATE TABLE cycle_count_lines (
    count_line_id     integer      PRIMARY KEY,
    count_id          integer      NOT NULL REFERENCES cycle_counts (count_id),
    item_id           integer      NOT NULL,
    lot_number        varchar(100),
    expected_quantity integer      NOT NULL CHECK (expected_quantity >= 0),
    counted_quantity  integer      CHECK (counted_quantity >= 0),
    scanned           boolean      NOT NULL DEFAULT false,
    unexpected        boolean      NOT NULL DEFAULT false,
    counted_by        text,
    counted_at        timestamptz,
    adjustment_id     integer      UNIQUE
);
CREATE INDEX cycle_count_lines_count_idx ON cycle_count_lines (count_id, count_line_id);
CREATE INDEX cycle_count_lines_place_idx ON cycle_count_lines (item_id, counted_at);

-- Who decided a pending adjustment, and how much of it reached the stock
-- (an approval never takes on-hand below zero nor touches allocated units).
ALTER TABLE adjustments
    ADD COLUMN reviewed_by      text,
    ADD COLUMN reviewed_at      timestamptz,
    ADD COLUMN quantity_applied integer;
CREATE INDEX adjustments_count_idx ON adjustments (cycle_count_id) WHERE cycle_count_id IS NOT NULL;
