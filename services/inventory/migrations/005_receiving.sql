-- Receiving read models: purchase orders with their lines, and item receipts.
-- The truth is the purchase_order-* and receipt-* streams in event_store.
CREATE SEQUENCE purchase_order_id_seq;
CREATE SEQUENCE purchase_order_line_id_seq;
CREATE SEQUENCE receipt_id_seq;

CREATE TABLE purchase_orders (
    po_id         integer      PRIMARY KEY,
    external_id   uuid         NOT NULL UNIQUE,
    po_number     varchar(128) NOT NULL CONSTRAINT purchase_orders_po_number_key UNIQUE,
    po_barcode    varchar(128) NOT NULL,
    vendor_name   varchar(256),
    vendor_id     varchar(128),
    status        varchar(16)  NOT NULL CHECK (status IN ('OPEN', 'PARTIAL', 'RECEIVED', 'CLOSED')),
    expected_date date,
    warehouse_id  integer      NOT NULL,
    notes         text,
    created_at    timestamptz  NOT NULL,
    received_at   timestamptz,
    created_by    text         NOT NULL
);
CREATE INDEX purchase_orders_barcode_idx ON purchase_orders (po_barcode);
CREATE INDEX purchase_orders_status_idx ON purchase_orders (warehouse_id, status);

CREATE TABLE purchase_order_lines (
    po_line_id        integer        PRIMARY KEY,
    po_id             integer        NOT NULL REFERENCES purchase_orders (po_id),
    item_id           integer        NOT NULL,
    line_number       integer        NOT NULL,
    quantity_ordered  integer        NOT NULL CHECK (quantity_ordered > 0),
    quantity_received integer        NOT NULL CHECK (quantity_received >= 0),
    unit_cost         numeric(14, 4),
    status            varchar(16)    NOT NULL CHECK (status IN ('PENDING', 'PARTIAL', 'RECEIVED'))
);
CREATE INDEX purchase_order_lines_po_idx ON purchase_order_lines (po_id, line_number);
CREATE INDEX purchase_order_lines_item_idx ON purchase_order_lines (item_id);

CREATE TABLE receipts (
    receipt_id         integer      PRIMARY KEY,
    external_id        uuid         NOT NULL UNIQUE,
    po_id              integer      NOT NULL,
    po_line_id         integer      NOT NULL,
    item_id            integer      NOT NULL,
    bin_id             integer      NOT NULL,
    warehouse_id       integer      NOT NULL,
    quantity_received  integer      NOT NULL CHECK (quantity_received > 0),
    quantity_cancelled integer      NOT NULL CHECK (quantity_cancelled BETWEEN 0 AND quantity_received),
    lot_number         varchar(100),
    serial_number      varchar(100),
    expiry_date        date,
    notes              varchar(1000),
    received_by        text         NOT NULL,
    received_at        timestamptz  NOT NULL
);
CREATE INDEX receipts_po_idx ON receipts (po_id);
