-- The connector registry (integration-security 4.5): the owners that consumer groups and
-- webhook subscriptions name. A connector is deleted only while nothing references it.

CREATE TABLE connectors (
    connector_id varchar(64)  PRIMARY KEY CHECK (btrim(connector_id) <> ''),
    display_name varchar(128) NOT NULL CHECK (btrim(display_name) <> ''),
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now()
);

-- Groups created before the registry named their connector freely: register those names
-- (display name = id) so the foreign key below holds for rows already there.
INSERT INTO connectors (connector_id, display_name)
SELECT DISTINCT connector_id, connector_id FROM consumer_groups WHERE connector_id IS NOT NULL;

-- RESTRICT backs the registry's own in-use check (connector_in_use) should a path ever skip it.
ALTER TABLE consumer_groups
    ADD CONSTRAINT consumer_groups_connector_fk FOREIGN KEY (connector_id) REFERENCES connectors ON DELETE RESTRICT;
ALTER TABLE webhook_subscriptions
    ADD COLUMN connector_id varchar(64) REFERENCES connectors ON DELETE RESTRICT;

-- The in-use check on delete looks a connector up in both.
CREATE INDEX consumer_groups_connector_idx ON consumer_groups (connector_id) WHERE connector_id IS NOT NULL;
CREATE INDEX webhook_subscriptions_connector_idx ON webhook_subscriptions (connector_id) WHERE connector_id IS NOT NULL;
