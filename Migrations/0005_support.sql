-- Support and voice of the customer (API.md §2): tickets, comments, SLA policies, feedback.

CREATE TABLE tickets (
    id                    INTEGER PRIMARY KEY,
    customer_id           INTEGER NOT NULL REFERENCES customers (id),
    subject               TEXT    NOT NULL,
    description           TEXT,
    status                TEXT    NOT NULL DEFAULT 'new',
    priority              TEXT    NOT NULL DEFAULT 'normal',
    type                  TEXT,
    channel               TEXT,
    assignee              TEXT,
    tags                  TEXT    NOT NULL DEFAULT '[]',
    first_response_due_at TEXT    NOT NULL,
    resolution_due_at     TEXT    NOT NULL,
    -- Resolution clock pauses while pending/on_hold: milliseconds paused so far, and since when.
    paused_ms             INTEGER NOT NULL DEFAULT 0,
    paused_since          TEXT,
    first_response_at     TEXT,
    solved_at             TEXT,
    closed_at             TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    deleted_at            TEXT,
    version               INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_by_customer ON tickets (customer_id, status);
CREATE INDEX tickets_by_status ON tickets (status, priority);
CREATE INDEX tickets_by_assignee ON tickets (assignee);
CREATE INDEX tickets_by_first_response_due ON tickets (first_response_due_at);
CREATE INDEX tickets_by_resolution_due ON tickets (resolution_due_at);

CREATE TABLE ticket_comments (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    author      TEXT    NOT NULL,
    author_type TEXT    NOT NULL CHECK (author_type IN ('staff', 'customer')),
    body        TEXT    NOT NULL,
    public      INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    key_id      INTEGER
);
CREATE INDEX ticket_comments_by_ticket ON ticket_comments (ticket_id, id);

CREATE TABLE sla_policies (
    priority                 TEXT    PRIMARY KEY CHECK (priority IN ('urgent', 'high', 'normal', 'low')),
    first_response_minutes   INTEGER NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes       INTEGER NOT NULL CHECK (resolution_minutes > 0)
) WITHOUT ROWID;
INSERT INTO sla_policies VALUES ('urgent', 60, 240), ('high', 240, 1440), ('normal', 480, 4320), ('low', 1440, 10080);

CREATE TABLE feedback (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    kind           TEXT    NOT NULL,
    score          INTEGER,
    comment        TEXT,
    channel        TEXT,
    ticket_id      INTEGER REFERENCES tickets (id),
    opportunity_id INTEGER REFERENCES opportunities (id),
    status         TEXT    NOT NULL DEFAULT 'new',
    tags           TEXT    NOT NULL DEFAULT '[]',
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    deleted_at     TEXT,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX feedback_by_customer ON feedback (customer_id, kind, created_at);
CREATE INDEX feedback_by_kind ON feedback (kind, created_at);
