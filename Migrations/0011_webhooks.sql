-- Webhooks and their durable outbox (API.md §2, "webhooks").

-- A webhook's secret is kept so the server can sign with it, sealed (ChaCha20 + HMAC-SHA256)
-- under the server key in a separate file, never in clear (docs/architecture.md, "Webhooks").
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    url         TEXT    NOT NULL,
    events      TEXT    NOT NULL,            -- JSON array of event types, or ["*"]
    enabled     INTEGER NOT NULL DEFAULT 1,
    secret      BLOB    NOT NULL,            -- sealed; bound to "webhook:<id>"
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);

-- Which live, enabled webhook wants which event: what the outbox insert of every change looks up.
CREATE TABLE webhook_events (
    event       TEXT    NOT NULL,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks (id),
    PRIMARY KEY (event, webhook_id)
) WITHOUT ROWID;

-- One row per event per webhook, written in the transaction of the change it announces, so a
-- crash loses none. The body's data is the change-feed entry's (change_seq) or, for events the
-- feed does not carry, `data`.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id),
    event_id         TEXT    NOT NULL,       -- the body's id: the same on every retry
    type             TEXT    NOT NULL,
    change_seq       INTEGER,
    data             TEXT,
    occurred_at      TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error       TEXT,
    next_attempt_at  TEXT,                   -- NULL unless pending
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
-- The dispatcher asks each webhook for its own due deliveries, so one dead receiver's backlog
-- never hides another webhook's.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
