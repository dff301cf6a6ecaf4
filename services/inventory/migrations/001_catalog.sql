-- Warehouses read model. The truth is the warehouse streams in event_store;
-- this table can be dropped and rebuilt from them.
CREATE SEQUENCE warehouse_id_seq;

CREATE TABLE warehouses (
    warehouse_id   integer      PRIMARY KEY,
    warehouse_code varchar(32)  NOT NULL CONSTRAINT warehouses_warehouse_code_key UNIQUE,
    warehouse_name varchar(256) NOT NULL,
    address        varchar(512),
    is_active      boolean      NOT NULL DEFAULT true,
    created_at     timestamptz  NOT NULL
);
