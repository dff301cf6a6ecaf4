-- Source systems allowed to push records, and what each record became.

CREATE TABLE inbound_source_systems (
    source_system varchar(64)  PRIMARY KEY CHECK (source_system ~ '^[A-Za-z0-9_.-]+$'),
    kind          varchar(16)  NOT NULL CHECK (kind IN ('connector', 'internal_tool', 'manual_import')),
    notes         text,
    created_at    timestamptz  NOT NULL DEFAULT clock_timestamp(),
    updated_at    timestamptz  NOT NULL DEFAULT clock_timestamp()
);

-- One external id maps to exactly one canonical entity; an entity may have ids in many systems.
CREATE TABLE cross_system_mappings (
    mapping_id      bigserial    PRIMARY KEY,
    source_system   varchar(64)  NOT NULL REFERENCES inbound_source_systems (source_system),
    source_type     varchar(16)  NOT NULL
                    CHECK (source_type IN ('sales_order', 'item', 'customer', 'vendor', 'purchase_order')),
    source_id       varchar(128) NOT NULL,
    canonical_type  varchar(16)  NOT NULL
                    CHECK (canonical_type IN ('sales_order', 'item', 'customer', 'vendor', 'purchase_order')),
    canonical_id    uuid         NOT NULL,
    first_seen_at   timestamptz  NOT NULL DEFAULT clock_timestamp(),
    last_updated_at timestamptz  NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT cross_system_mappings_key UNIQUE (source_system, source_type, source_id)
);
CREATE INDEX cross_system_mappings_canonical_idx ON cross_system_mappings (canonical_type, canonical_id);

-- Every accepted request, with the payload as sent (nulled after the retention period, never deleted).
CREATE TABLE inbound_records (
    inbound_id        bigserial    PRIMARY KEY,
    resource          varchar(16)  NOT NULL
                      CHECK (resource IN ('sales_orders', 'items', 'customers', 'vendors', 'purchase_orders')),
    source_system     varchar(64)  NOT NULL REFERENCES inbound_source_systems (source_system),
    external_id       varchar(128) NOT NULL,
    external_version  varchar(64)  NOT NULL,
    canonical_type    varchar(16)  NOT NULL,
    canonical_id      uuid         NOT NULL,
    canonical_payload jsonb        NOT NULL,
    source_payload    jsonb,
    status            varchar(10)  NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'superseded')),
    received_at       timestamptz  NOT NULL DEFAULT clock_timestamp(),
    superseded_at     timestamptz,
    received_via      text         NOT NULL,  -- the caller, e.g. system:wms_token:<id>
    event_id          uuid         NOT NULL UNIQUE,
    CONSTRAINT inbound_records_version_key UNIQUE (source_system, resource, external_id, external_version)
);
CREATE UNIQUE INDEX inbound_records_one_applied_idx
    ON inbound_records (source_system, resource, external_id) WHERE status = 'applied';
CREATE INDEX inbound_records_canonical_idx ON inbound_records (canonical_id);
CREATE INDEX inbound_records_retention_idx ON inbound_records (received_at) WHERE source_payload IS NOT NULL;
