-- The inventory snapshot (integration-security 4.6) is served here, not by inventory: its
-- snapshot_event_id is a place in this service's event log, and `GET /api/v1/events?after=`
-- that place must yield exactly what the copy lacks (no gap, no overlap). So the positions
-- are folded from the stock events in the transaction that numbers them (service_layer/
-- fanout.py): one REPEATABLE READ read of the log's head and of the positions is one moment.

CREATE TABLE snapshot_positions (
    warehouse_id       integer      NOT NULL,
    item_id            integer      NOT NULL,
    bin_id             integer      NOT NULL,
    lot_key            text         NOT NULL,  -- the lot, '' for none: a total order for the keyset
    lot_number         varchar(100),
    quantity_on_hand   integer      NOT NULL,
    quantity_allocated integer      NOT NULL,
    PRIMARY KEY (warehouse_id, item_id, bin_id, lot_key)
);

-- The external ids the rows are published under, from the catalog's item and bin events.
CREATE TABLE snapshot_items (
    item_id     integer PRIMARY KEY,
    external_id uuid    NOT NULL
);
CREATE TABLE snapshot_bins (
    bin_id      integer PRIMARY KEY,
    external_id uuid    NOT NULL
);

-- The log already holds the history (it is never pruned): fold it, so the projection starts complete.
INSERT INTO snapshot_positions
SELECT warehouse_id, item_id, bin_id, lot_key, lot_number, on_hand, allocated
FROM (
    SELECT (data ->> 'warehouse_id')::int AS warehouse_id,
           (data ->> 'item_id')::int AS item_id,
           (data ->> 'bin_id')::int AS bin_id,
           COALESCE(data ->> 'lot_number', '') AS lot_key,
           max(data ->> 'lot_number') AS lot_number,
           sum(CASE event_type WHEN 'stock.added' THEN 1 WHEN 'stock.removed' THEN -1 ELSE 0 END
               * (data ->> 'quantity')::int) AS on_hand,
           sum(CASE event_type WHEN 'stock.allocated' THEN 1 WHEN 'stock.released' THEN -1 ELSE 0 END
               * (data ->> 'quantity')::int) AS allocated
    FROM integration_events
    WHERE event_type IN ('stock.added', 'stock.removed', 'stock.allocated', 'stock.released')
    GROUP BY 1, 2, 3, 4
) folded
WHERE on_hand <> 0 OR allocated <> 0;

INSERT INTO snapshot_items
SELECT DISTINCT ON ((data ->> 'item_id')::int) (data ->> 'item_id')::int, (data ->> 'external_id')::uuid
FROM integration_events WHERE event_type IN ('item.created', 'item.updated')
ORDER BY (data ->> 'item_id')::int, event_id DESC;

INSERT INTO snapshot_bins
SELECT DISTINCT ON ((data ->> 'bin_id')::int) (data ->> 'bin_id')::int, (data ->> 'external_id')::uuid
FROM integration_events WHERE event_type IN ('bin.created', 'bin.updated')
ORDER BY (data ->> 'bin_id')::int, event_id DESC;

-- Scans: the first page copies the warehouse's positions with the log's head, later pages
-- page that copy by keyset. Operational state: expired scans are deleted.
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
    lot_key            text        NOT NULL,
    -- NULL only while the item's (bin's) catalog event is not yet logged: it is then among the events after.
    item_external_id   uuid,
    bin_external_id    uuid,
    lot_number         varchar(100),
    quantity_on_hand   integer     NOT NULL,
    quantity_allocated integer     NOT NULL,
    PRIMARY KEY (scan_id, warehouse_id, item_id, bin_id, lot_key)
);
