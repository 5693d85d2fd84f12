-- What every write leaves behind, in the same transaction as the write (DESIGN.md, "Data rules").

-- The change feed: seq is the rowid, assigned by the single writer in commit order, gap-free.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY,
    type        TEXT    NOT NULL,            -- e.g. customer.created
    record_type TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    occurred_at TEXT    NOT NULL,
    data        TEXT                         -- the record as the change left it; NULL when deleted
);
CREATE INDEX changes_by_record_type ON changes (record_type, seq);

-- Who changed what, when.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    key_id      INTEGER,
    action      TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    record_type TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    changes     TEXT    NOT NULL,            -- {"field":{"before":…,"after":…}}
    occurred_at TEXT    NOT NULL
);
CREATE INDEX audit_log_by_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_by_key ON audit_log (key_id);

-- Replays of POST requests with an Idempotency-Key, kept 24 h.
CREATE TABLE idempotency_keys (
    key_id       INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash BLOB    NOT NULL,           -- SHA-256 of method, path and body
    status       INTEGER NOT NULL,
    headers      TEXT    NOT NULL,           -- JSON array of [name, value]
    body         BLOB    NOT NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
