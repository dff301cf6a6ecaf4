-- Picking read models: batches (classic and wave), their orders and tasks, and
-- each task's shares per contributing order line. The truth is the
-- pick_batch-* streams. A classic task has exactly one share; a wave task one
-- per contributing line, so cancelling any contributor releases its own share.
CREATE SEQUENCE pick_batch_id_seq;
CREATE SEQUENCE pick_task_id_seq;

CREATE TABLE pick_batches (
    batch_id     integer     PRIMARY KEY,
    batch_number varchar(64) NOT NULL CONSTRAINT pick_batches_batch_number_key UNIQUE,
    kind         varchar(8)  NOT NULL CHECK (kind IN ('BATCH', 'WAVE')),
    warehouse_id integer     NOT NULL,
    status       varchar(16) NOT NULL CHECK (status IN ('OPEN', 'COMPLETED', 'CANCELLED')),
    assigned_to  text        NOT NULL,
    created_at   timestamptz NOT NULL,
    completed_at timestamptz
);
CREATE INDEX pick_batches_assignee_idx ON pick_batches (assigned_to, status);

CREATE TABLE pick_batch_orders (
    batch_id    integer     NOT NULL REFERENCES pick_batches (batch_id),
    so_id       integer     NOT NULL,
    tote_number varchar(16) NOT NULL,
    position    integer     NOT NULL,
    PRIMARY KEY (batch_id, so_id)
);
CREATE INDEX pick_batch_orders_so_idx ON pick_batch_orders (so_id);

CREATE TABLE pick_tasks (
    pick_task_id     integer      PRIMARY KEY,
    batch_id         integer      NOT NULL REFERENCES pick_batches (batch_id),
    item_id          integer      NOT NULL,
    bin_id           integer      NOT NULL,
    lot_number       varchar(100),
    pick_sequence    integer      NOT NULL,
    quantity_to_pick integer      NOT NULL CHECK (quantity_to_pick >= 0),
    quantity_picked  integer      NOT NULL CHECK (quantity_picked BETWEEN 0 AND quantity_to_pick),
    tote_number      varchar(16)  NOT NULL,
    status           varchar(16)  NOT NULL CHECK (status IN ('PENDING', 'PICKED', 'SHORT', 'SKIPPED')),
    picked_by        text,
    picked_at        timestamptz,
    scan_confirmed   boolean      NOT NULL
);
CREATE INDEX pick_tasks_walk_idx ON pick_tasks (batch_id, status, pick_sequence, pick_task_id);

CREATE TABLE pick_task_shares (
    pick_task_id    integer NOT NULL REFERENCES pick_tasks (pick_task_id),
    so_id           integer NOT NULL,
    so_line_id      integer NOT NULL,
    quantity        integer NOT NULL CHECK (quantity >= 0),
    quantity_picked integer NOT NULL CHECK (quantity_picked BETWEEN 0 AND quantity),
    short_quantity  integer NOT NULL CHECK (short_quantity >= 0),
    PRIMARY KEY (pick_task_id, so_line_id)
);
CREATE INDEX pick_task_shares_so_idx ON pick_task_shares (so_id);

-- The short-pick report: one row per short task; the missing units stay held
-- (allocated to the hold) in their bin until a count settles them.
CREATE TABLE short_picks (
    pick_task_id     integer     PRIMARY KEY,
    batch_id         integer     NOT NULL,
    warehouse_id     integer     NOT NULL,
    item_id          integer     NOT NULL,
    bin_id           integer     NOT NULL,
    lot_number       varchar(100),
    quantity_to_pick integer     NOT NULL,
    quantity_picked  integer     NOT NULL,
    shortage         integer     NOT NULL CHECK (shortage > 0),
    reported_by      text        NOT NULL,
    reported_at      timestamptz NOT NULL
);
CREATE INDEX short_picks_time_idx ON short_picks (warehouse_id, reported_at);

-- Available to promise per item and warehouse: what allocation may still take
-- (pickable bins only; staging stock is awaiting put-away).
CREATE VIEW available_to_promise AS
SELECT s.warehouse_id, s.item_id,
       sum(s.quantity_on_hand)::integer AS quantity_on_hand,
       sum(s.quantity_allocated)::integer AS quantity_allocated,
       sum(s.quantity_on_hand - s.quantity_allocated)::integer AS quantity_available
FROM stock s JOIN bins b ON b.bin_id = s.bin_id
WHERE b.bin_type IN ('Pickable', 'PickableStaging')
GROUP BY s.warehouse_id, s.item_id;
