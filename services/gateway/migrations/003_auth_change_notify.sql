-- The gateway caches who is behind a session or an API token and forgets it when told: every change
-- to these rows (revocation, deactivation, role, scope, password, deletion) notifies on commit.
-- Statement-level triggers: one notification per statement, and PostgreSQL folds duplicates within
-- a transaction. `last_used_at` bookkeeping is left out, or each use would empty the caches.
CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_auth_changed', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();

CREATE TRIGGER sessions_auth_changed
    AFTER UPDATE OF user_id, expires_at, revoked_at OR DELETE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();

CREATE TRIGGER api_tokens_auth_changed
    AFTER UPDATE OF token_hash, warehouse_ids, event_types, endpoints, connector_id, source_system,
        inbound_resources, mapping_override, status, expires_at, revoked_at, version
    OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_change();
