-- The audit writer may append and read; it can never rewrite history.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {app_role};
REVOKE DELETE, TRUNCATE ON audit_chain_head FROM {app_role};
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM {app_role};
