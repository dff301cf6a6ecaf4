-- Stock read models. The truth is the stock streams (one per bin and item) in
-- event_store. The CHECKs restate the ledger's invariants: the handlers
-- enforce them under the stream lock, so a violation here is a bug, not a race.
CREATE TABLE stock (
    stock_id           bigserial   PRIMARY KEY,
    warehouse_id       integer     NOT NULL,
    bin_id             integer     NOT NULL,
    item_id            integer     NOT NULL,
    lot_number         varchar(100),
    expiry_date        date,
    uom                varchar(16) NOT NULL,
    quantity_on_hand   integer     NOT NULL CHECK (quantity_on_hand >= 0),
    quantity_allocated integer     NOT NULL CHECK (quantity_allocated >= 0),
    updated_at         timestamptz NOT NULL,
    CONSTRAINT stock_allocated_within_on_hand CHECK (quantity_allocated <= quantity_on_hand),
    CONSTRAINT stock_position_key UNIQUE NULLS NOT DISTINCT (bin_id, item_id, lot_number)
);
CREATE INDEX stock_item_idx ON stock (item_id);
CREATE INDEX stock_warehouse_idx ON stock (warehouse_id, item_id);

-- Every change of a position, in append order: history and "as of" reads.
CREATE TABLE stock_movements (
    global_position    bigint      PRIMARY KEY,
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
CREATE INDEX stock_movements_item_idx ON stock_movements (item_id, global_position);
CREATE INDEX stock_movements_bin_idx ON stock_movements (bin_id, global_position);

CREATE SEQUENCE adjustment_id_seq;
CREATE TABLE adjustments (
    adjustment_id   integer      PRIMARY KEY,
    external_id     uuid         NOT NULL UNIQUE,
    warehouse_id    integer      NOT NULL,
    bin_id          integer      NOT NULL,
    item_id         integer      NOT NULL,
    lot_number      varchar(100),
    quantity_change integer      NOT NULL,
    reason_code     varchar(32)  NOT NULL,
    reason_detail   varchar(500),
    status          varchar(16)  NOT NULL,
    adjusted_by     text         NOT NULL,
    adjusted_at     timestamptz  NOT NULL,
    cycle_count_id  integer
);
CREATE INDEX adjustments_status_idx ON adjustments (status, adjustment_id);

CREATE SEQUENCE transfer_id_seq;
CREATE TABLE transfers (
    transfer_id       integer      PRIMARY KEY,
    external_id       uuid         NOT NULL UNIQUE,
    transfer_type     varchar(16)  NOT NULL,
    item_id           integer      NOT NULL,
    from_bin_id       integer      NOT NULL,
    from_warehouse_id integer      NOT NULL,
    to_bin_id         integer      NOT NULL,
    to_warehouse_id   integer      NOT NULL,
    lot_number        varchar(100),
    quantity          integer      NOT NULL CHECK (quantity > 0),
    reason            varchar(500),
    transferred_by    text         NOT NULL,
    transferred_at    timestamptz  NOT NULL
);
