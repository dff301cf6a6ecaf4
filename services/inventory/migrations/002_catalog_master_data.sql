-- Catalog read models: zones, bins, items, preferred bins, settings.
-- The truth is the aggregate streams in event_store; every table here can be
-- dropped and rebuilt from them. Uniqueness rules are checked by the command
-- handlers under an advisory lock; the constraints are the last line of defence.
CREATE SEQUENCE zone_id_seq;
CREATE SEQUENCE bin_id_seq;
CREATE SEQUENCE item_id_seq;
CREATE SEQUENCE preferred_bin_id_seq;

CREATE TABLE zones (
    zone_id      integer      PRIMARY KEY,
    warehouse_id integer      NOT NULL REFERENCES warehouses (warehouse_id),
    zone_code    varchar(32)  NOT NULL,
    zone_name    varchar(128) NOT NULL,
    zone_type    varchar(16)  NOT NULL,
    is_active    boolean      NOT NULL,
    CONSTRAINT zones_warehouse_code_key UNIQUE (warehouse_id, zone_code)
);

CREATE TABLE bins (
    bin_id           integer      PRIMARY KEY,
    external_id      uuid         NOT NULL UNIQUE,
    warehouse_id     integer      NOT NULL REFERENCES warehouses (warehouse_id),
    zone_id          integer      NOT NULL REFERENCES zones (zone_id),
    bin_code         varchar(64)  NOT NULL,
    bin_barcode      varchar(128) NOT NULL,
    bin_type         varchar(16)  NOT NULL CHECK (bin_type IN ('Staging', 'PickableStaging', 'Pickable')),
    aisle            varchar(32),
    row_num          integer,
    level_num        integer,
    position_num     integer,
    pick_sequence    integer      NOT NULL CHECK (pick_sequence >= 0),
    putaway_sequence integer      NOT NULL CHECK (putaway_sequence >= 0),
    description      text,
    is_active        boolean      NOT NULL,
    CONSTRAINT bins_warehouse_code_key UNIQUE (warehouse_id, bin_code)
);
CREATE INDEX bins_barcode_idx ON bins (bin_barcode);
CREATE INDEX bins_zone_idx ON bins (zone_id);
CREATE INDEX bins_pick_sequence_idx ON bins (warehouse_id, pick_sequence, bin_id);

CREATE TABLE items (
    item_id           integer       PRIMARY KEY,
    external_id       uuid          NOT NULL UNIQUE,
    sku               varchar(128)  NOT NULL CONSTRAINT items_sku_key UNIQUE,
    item_name         varchar(256)  NOT NULL,
    description       text,
    upc               varchar(128),
    barcode_aliases   text[]        NOT NULL,
    category          varchar(128),
    weight_lbs        numeric(10, 3),
    length_in         numeric(10, 3),
    width_in          numeric(10, 3),
    height_in         numeric(10, 3),
    default_bin_id    integer,
    reorder_point     integer       NOT NULL,
    reorder_qty       integer,
    is_lot_tracked    boolean       NOT NULL,
    is_serial_tracked boolean       NOT NULL,
    is_active         boolean       NOT NULL,
    created_at        timestamptz   NOT NULL,
    updated_at        timestamptz   NOT NULL
);
CREATE INDEX items_upc_idx ON items (upc);
CREATE INDEX items_aliases_idx ON items USING gin (barcode_aliases);

CREATE TABLE preferred_bins (
    preferred_bin_id integer PRIMARY KEY,
    item_id          integer NOT NULL REFERENCES items (item_id),
    bin_id           integer NOT NULL REFERENCES bins (bin_id),
    priority         integer NOT NULL CHECK (priority BETWEEN 1 AND 100),
    notes            text,
    CONSTRAINT preferred_bins_item_bin_key UNIQUE (item_id, bin_id)
);
CREATE INDEX preferred_bins_bin_idx ON preferred_bins (bin_id);

-- warehouse_id NULL holds the global value; a row with a warehouse id overrides it there.
CREATE TABLE settings (
    setting_id   bigserial   PRIMARY KEY,
    warehouse_id integer     REFERENCES warehouses (warehouse_id),
    key          varchar(64) NOT NULL,
    value        text        NOT NULL,
    updated_at   timestamptz NOT NULL,
    CONSTRAINT settings_scope_key UNIQUE NULLS NOT DISTINCT (warehouse_id, key)
);
