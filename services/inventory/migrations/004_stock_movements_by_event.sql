-- The movement history is keyed by the event each row came from (so a rebuild
-- can never count an event twice) and numbered in the order it was projected.
-- It is a projection: dropping it loses nothing the event store does not hold.
DROP TABLE stock_movements;

CREATE TABLE stock_movements (
    movement_id        bigserial   PRIMARY KEY,
    event_id           uuid        NOT NULL UNIQUE,
    occurred_at        timestamptz NOT NULL,
    event_type         text        NOT NULL,
    warehouse_id       integer     NOT NULL,
    bin_id             integer     NOT NULL,
    item_id            integer     NOT NULL,
    lot_number         varchar(100),
    on_hand_change     integer     NOT NULL,
    allocated_change   integer     NOT NULL,
    reason             text        NOT NULL,
    reference_type     text,
    reference_id       text,
    actor              text
);
CREATE INDEX stock_movements_item_idx ON stock_movements (item_id, movement_id);
CREATE INDEX stock_movements_bin_idx ON stock_movements (bin_id, movement_id);
CREATE INDEX stock_movements_time_idx ON stock_movements (occurred_at);
