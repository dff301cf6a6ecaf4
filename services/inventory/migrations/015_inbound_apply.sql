-- Applying the inbound service's canonical records (inbound.record_accepted).

-- Which local record a canonical id became, so a later version of it updates that record.
-- Command-side state, like the event store: written with the effect, never rebuilt.
CREATE TABLE inbound_canonical_ids (
    canonical_type varchar(16) NOT NULL CHECK (canonical_type IN ('item', 'purchase_order', 'sales_order')),
    canonical_id   uuid        NOT NULL,
    local_id       bigint      NOT NULL,
    linked_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (canonical_type, canonical_id)
);

-- One row per accepted record the consumer handled: what it became, or why it was refused.
-- The inbound event id is the key, so the effect and its record commit (or not) together.
CREATE TABLE inbound_applications (
    event_id         uuid         PRIMARY KEY,
    inbound_id       bigint       NOT NULL,
    resource         varchar(16)  NOT NULL,
    canonical_type   varchar(16)  NOT NULL,
    canonical_id     uuid         NOT NULL,
    external_version varchar(64)  NOT NULL,
    outcome          varchar(10)  NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    action           varchar(10)  CHECK (action IN ('created', 'updated', 'unchanged')),
    local_id         bigint,
    error_code       varchar(64),
    error_message    varchar(1000),
    handled_at       timestamptz  NOT NULL DEFAULT clock_timestamp(),
    CHECK ((outcome = 'applied') = (error_code IS NULL))
);
CREATE INDEX inbound_applications_canonical_idx ON inbound_applications (canonical_type, canonical_id);
CREATE INDEX inbound_applications_rejected_idx ON inbound_applications (handled_at) WHERE outcome = 'rejected';

-- Read models of the customer-* and vendor-* streams (master data only external systems send).
CREATE TABLE customers (
    canonical_id      uuid         PRIMARY KEY,
    name              varchar(256) NOT NULL,
    email             varchar(512),
    phone             varchar(128),
    billing_address   varchar(512),
    shipping_address  varchar(512),
    tax_id            varchar(128),
    payment_terms     varchar(128),
    is_active         boolean      NOT NULL,
    latest_inbound_id bigint       NOT NULL,
    created_at        timestamptz  NOT NULL,
    updated_at        timestamptz  NOT NULL
);
CREATE TABLE vendors (LIKE customers INCLUDING ALL);
