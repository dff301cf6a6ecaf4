-- Machine credentials (X-WMS-Token). Only hex(SHA-256(pepper || plaintext)) is
-- stored: a lost token is rotated, never recovered.
CREATE TABLE api_tokens (
    token_id          bigserial    PRIMARY KEY,
    token_name        varchar(128) NOT NULL,
    token_hash        char(64)     NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE,
    warehouse_ids     bigint[]     NOT NULL DEFAULT '{}',
    event_types       text[]       NOT NULL DEFAULT '{}',
    endpoints         text[]       NOT NULL DEFAULT '{}',
    connector_id      varchar(64),
    source_system     varchar(64),
    inbound_resources text[]       NOT NULL DEFAULT '{}',
    mapping_override  boolean      NOT NULL DEFAULT false,
    status            varchar(16)  NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    created_at        timestamptz  NOT NULL DEFAULT now(),
    rotated_at        timestamptz  NOT NULL DEFAULT now(),
    expires_at        timestamptz  NOT NULL,
    revoked_at        timestamptz,
    last_used_at      timestamptz,
    version           integer      NOT NULL DEFAULT 1,
    -- v1.7 kept status and revoked_at apart and once let them disagree (#278): one rule here.
    CONSTRAINT api_tokens_revoked_consistent CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
