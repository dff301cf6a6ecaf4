-- Whether the owning service (inventory) has applied each accepted record, for read-your-writes:
-- the POST waits for this to leave 'pending'; the status URL reports it afterwards.
ALTER TABLE inbound_records
    ADD COLUMN apply_state varchar(10) NOT NULL DEFAULT 'pending'
        CHECK (apply_state IN ('pending', 'applied', 'rejected')),
    ADD COLUMN apply_action varchar(10) CHECK (apply_action IN ('created', 'updated', 'unchanged')),
    ADD COLUMN apply_error_code varchar(64),
    ADD COLUMN apply_error_message varchar(1000),
    ADD COLUMN applied_at timestamptz;
CREATE INDEX inbound_records_pending_idx ON inbound_records (received_at) WHERE apply_state = 'pending';
