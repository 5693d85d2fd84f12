-- Sales (API.md §2): pipelines, opportunities with their stage history, orders, interactions.

CREATE TABLE pipelines (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0,
    stages      TEXT    NOT NULL,            -- JSON array of {key,name,probability,closed,won}, in order
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX pipelines_one_default ON pipelines (is_default) WHERE is_default = 1;

INSERT INTO pipelines (id, name, is_default, stages, created_at, updated_at) VALUES (
    1, 'Sales', 1,
    '[{"key":"qualification","name":"Qualification","probability":10,"closed":false,"won":false},'
    || '{"key":"needs_analysis","name":"Needs analysis","probability":25,"closed":false,"won":false},'
    || '{"key":"proposal","name":"Proposal","probability":50,"closed":false,"won":false},'
    || '{"key":"negotiation","name":"Negotiation","probability":75,"closed":false,"won":false},'
    || '{"key":"won","name":"Won","probability":100,"closed":true,"won":true},'
    || '{"key":"lost","name":"Lost","probability":0,"closed":true,"won":false}]',
    strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
);

CREATE TABLE opportunities (
    id                  INTEGER PRIMARY KEY,
    customer_id         INTEGER NOT NULL REFERENCES customers (id),
    name                TEXT    NOT NULL,
    pipeline_id         INTEGER NOT NULL REFERENCES pipelines (id),
    stage               TEXT    NOT NULL,
    amount              INTEGER,
    currency            TEXT,
    probability         INTEGER,
    expected_close_date TEXT,
    owner               TEXT,
    source              TEXT,
    lost_reason         TEXT,
    is_closed           INTEGER NOT NULL DEFAULT 0,
    is_won              INTEGER NOT NULL DEFAULT 0,
    closed_at           TEXT,
    stage_entered_at    TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    deleted_at          TEXT,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX opportunities_by_customer ON opportunities (customer_id);
CREATE INDEX opportunities_by_stage ON opportunities (pipeline_id, stage);
CREATE INDEX opportunities_by_owner ON opportunities (owner);
CREATE INDEX opportunities_by_close_date ON opportunities (coalesce(expected_close_date, ''), id);
CREATE INDEX opportunities_by_amount ON opportunities (coalesce(amount, ''), id);
CREATE INDEX opportunities_by_name ON opportunities (name, id);

CREATE TABLE opportunity_stage_history (
    id             INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL REFERENCES opportunities (id),
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    from_stage     TEXT,
    to_stage       TEXT    NOT NULL,
    changed_at     TEXT    NOT NULL,
    key_id         INTEGER
);
CREATE INDEX opportunity_stage_history_by_opportunity ON opportunity_stage_history (opportunity_id, id);
CREATE INDEX opportunity_stage_history_by_customer ON opportunity_stage_history (customer_id, changed_at);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    currency    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'paid' CHECK (status IN ('paid', 'refunded', 'cancelled')),
    ordered_at  TEXT    NOT NULL,
    channel     TEXT,
    external_id TEXT,
    items       TEXT    NOT NULL DEFAULT '[]',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX orders_external_id_live ON orders (external_id) WHERE deleted_at IS NULL AND external_id IS NOT NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, status, ordered_at);
CREATE INDEX orders_by_ordered_at ON orders (ordered_at, id);
CREATE INDEX orders_by_status ON orders (status);

CREATE TABLE interactions (
    id               INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    channel          TEXT    NOT NULL,
    direction        TEXT,
    subject          TEXT,
    body             TEXT,
    occurred_at      TEXT    NOT NULL,
    duration_seconds INTEGER,
    owner            TEXT,
    opportunity_id   INTEGER REFERENCES opportunities (id),
    ticket_id        INTEGER,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    deleted_at       TEXT,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX interactions_by_customer ON interactions (customer_id, occurred_at);
CREATE INDEX interactions_by_occurred_at ON interactions (occurred_at, id);
CREATE INDEX interactions_by_owner ON interactions (owner);

CREATE INDEX customers_by_last_interaction ON customers (coalesce(last_interaction_at, ''), id);
