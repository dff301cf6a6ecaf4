-- Applied after every migration run. {app_role} is the service's login role.
-- The event store only ever grows: the app role may read and append, nothing else.
REVOKE UPDATE, DELETE, TRUNCATE ON event_store FROM {app_role};
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM {app_role};
