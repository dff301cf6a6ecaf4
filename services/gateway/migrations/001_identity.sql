-- Users, sessions and refresh tokens. Credentials (password hashes, token
-- hashes) live only here: the identity events that the audit chain records
-- describe every change but never carry a secret, so this state is not
-- rebuilt from the event store.
CREATE TABLE users (
    user_id              bigserial    PRIMARY KEY,
    external_id          uuid         NOT NULL UNIQUE,
    username             varchar(150) NOT NULL,
    password_hash        text         NOT NULL,
    full_name            varchar(200) NOT NULL DEFAULT '',
    role                 varchar(16)  NOT NULL CHECK (role IN ('ADMIN', 'USER')),
    warehouse_id         bigint,
    warehouse_ids        bigint[]     NOT NULL DEFAULT '{}',
    allowed_functions    text[]       NOT NULL DEFAULT '{}',
    is_active            boolean      NOT NULL DEFAULT true,
    must_change_password boolean      NOT NULL DEFAULT false,
    password_changed_at  timestamptz,
    last_login           timestamptz,
    created_at           timestamptz  NOT NULL DEFAULT now(),
    version              integer      NOT NULL DEFAULT 0
);
-- Login matches names case-insensitively (v1.7 looked up the name as typed
-- but counted failures lower-cased, V-039): one rule for both.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- A session is one login; its refresh tokens form a family rotated on use.
CREATE TABLE sessions (
    session_id    uuid        PRIMARY KEY,
    user_id       bigint      NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoke_reason varchar(32),
    client_ip     varchar(64),
    user_agent    varchar(200)
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash char(64)    PRIMARY KEY,
    session_id uuid        NOT NULL REFERENCES sessions ON DELETE CASCADE,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    spent_at   timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
