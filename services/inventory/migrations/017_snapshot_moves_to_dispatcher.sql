-- The inventory snapshot (integration-security 4.6) is served by the dispatcher now: its
-- snapshot_event_id must be a position in the dispatcher's event log (`/api/v1/events`),
-- which only the dispatcher can state in the same transaction as the positions it reflects.
-- Scans in flight here are abandoned; a client starts a new scan, as after an expiry.
DROP TABLE snapshot_scan_rows;
DROP TABLE snapshot_scans;
