-- Sales-order read models: orders with their lines. The truth is the
-- sales_order-* streams in event_store; every event carries the whole order,
-- so these tables are one upsert per event and can be rebuilt from them.
CREATE SEQUENCE sales_order_id_seq;
CREATE SEQUENCE sales_order_line_id_seq;
CREATE SEQUENCE fulfillment_id_seq;

CREATE TABLE sales_orders (
    so_id                   integer      PRIMARY KEY,
    external_id             uuid         NOT NULL UNIQUE,
    so_number               varchar(128) NOT NULL CONSTRAINT sales_orders_so_number_key UNIQUE,
    so_barcode              varchar(128) NOT NULL,
    customer_name           varchar(256),
    customer_id             varchar(128),
    customer_phone          varchar(128),
    customer_address        text,
    status                  varchar(16)  NOT NULL
        CHECK (status IN ('OPEN', 'PICKING', 'PICKED', 'PACKED', 'SHIPPED', 'CANCELLED')),
    priority                integer      NOT NULL CHECK (priority BETWEEN 0 AND 10),
    warehouse_id            integer      NOT NULL,
    ship_method             varchar(128),
    ship_address            text,
    billing_address         text,
    shipping_address        text,
    order_date              timestamptz  NOT NULL,
    ship_by_date            date,
    created_at              timestamptz  NOT NULL,
    created_by              text         NOT NULL,
    picked_at               timestamptz,
    packed_at               timestamptz,
    shipped_at              timestamptz,
    cancelled_at            timestamptz,
    carrier                 varchar(100),
    tracking_number         varchar(255),
    fulfillment_id          integer,
    fulfillment_external_id uuid
);
CREATE INDEX sales_orders_barcode_idx ON sales_orders (so_barcode);
CREATE INDEX sales_orders_status_idx ON sales_orders (warehouse_id, status);

-- The quantity CHECKs restate E.2's invariants, enforced by the aggregate.
CREATE TABLE sales_order_lines (
    so_line_id         integer     PRIMARY KEY,
    so_id              integer     NOT NULL REFERENCES sales_orders (so_id),
    item_id            integer     NOT NULL,
    line_number        integer     NOT NULL,
    quantity_ordered   integer     NOT NULL CHECK (quantity_ordered > 0),
    quantity_allocated integer     NOT NULL CHECK (quantity_allocated BETWEEN 0 AND quantity_ordered),
    quantity_picked    integer     NOT NULL CHECK (quantity_picked BETWEEN 0 AND quantity_ordered),
    quantity_packed    integer     NOT NULL CHECK (quantity_packed BETWEEN 0 AND quantity_picked),
    quantity_shipped   integer     NOT NULL CHECK (quantity_shipped BETWEEN 0 AND quantity_picked),
    status             varchar(16) NOT NULL CHECK (status IN ('PENDING', 'PACKED', 'SHIPPED'))
);
CREATE INDEX sales_order_lines_so_idx ON sales_order_lines (so_id, line_number);
CREATE INDEX sales_order_lines_item_idx ON sales_order_lines (item_id);
