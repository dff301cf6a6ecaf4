-- Inventory snapshot scans (integration-security 4.6): the first page copies the
-- warehouse's positions, read in one REPEATABLE READ snapshot together with the
-- event-store position they reflect, so every later page comes from that same
-- moment however the stock moves meanwhile. Operational state, not a projection:
-- a rebuild leaves it alone.
CREATE TABLE snapshot_scans (
    scan_id            uuid        PRIMARY KEY,
    token_subject      text        NOT NULL,
    warehouse_id       integer     NOT NULL,
    snapshot_event_id  bigint      NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_accessed_at   timestamptz NOT NULL DEFAULT now()
);
-- One scan in flight per token (V-203): a second first page is refused, even when both race.
CREATE UNIQUE INDEX snapshot_scans_one_per_token ON snapshot_scans (token_subject);

CREATE TABLE snapshot_scan_rows (
    scan_id            uuid        NOT NULL REFERENCES snapshot_scans (scan_id) ON DELETE CASCADE,
    warehouse_id       integer     NOT NULL,
    item_id            integer     NOT NULL,
    bin_id             integer     NOT NULL,
    lot_key            text        NOT NULL,  -- the lot, '' for none: a total order for the keyset
    item_external_id   uuid        NOT NULL,
    bin_external_id    uuid        NOT NULL,
    lot_number         varchar(100),
    quantity_on_hand   integer     NOT NULL,
    quantity_allocated integer     NOT NULL,
    PRIMARY KEY (scan_id, warehouse_id, item_id, bin_id, lot_key)
);
