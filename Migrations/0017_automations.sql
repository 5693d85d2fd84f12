-- Automations (API.md §2 "automations", admin): a trigger (a write event or the daily run with
-- a selection), a rule-tree condition over the record, and actions applied in order. Every run
-- is recorded; a daily run's `run_day` makes "once per automation, record and day" a unique key,
-- so repeated or concurrent daily runs act on nobody twice, across restarts too.

CREATE TABLE automations (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    trigger     TEXT    NOT NULL,
    schedule    TEXT,                        -- {"select","days"} for schedule.daily, JSON
    conditions  TEXT,                        -- a rule tree over the trigger's record, JSON
    actions     TEXT    NOT NULL,            -- JSON array, checked on every write
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
-- The automations a fired event runs: looked up after every write that fired a trigger.
CREATE INDEX automations_by_trigger ON automations (trigger) WHERE enabled = 1 AND deleted_at IS NULL;

CREATE TABLE automation_runs (
    id            INTEGER PRIMARY KEY,
    automation_id INTEGER NOT NULL REFERENCES automations (id),
    status        TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
    trigger       TEXT    NOT NULL,
    record_type   TEXT    NOT NULL,
    record_id     INTEGER NOT NULL,
    actions       TEXT    NOT NULL,          -- what each action did, JSON array
    error         TEXT,
    started_at    TEXT    NOT NULL,
    run_day       TEXT                       -- YYYY-MM-DD for daily runs, NULL for event runs
);
CREATE INDEX automation_runs_by_automation ON automation_runs (automation_id, id);
-- Once per automation, record and day; also what "acted on since" checks read.
CREATE UNIQUE INDEX automation_runs_daily ON automation_runs (automation_id, record_id, run_day) WHERE run_day IS NOT NULL;

-- What the birthday selection reads (the others use customers_by_last_order and
-- customers_by_last_interaction), so no daily selection scans every customer.
CREATE INDEX customers_by_birthday ON customers (substr(birthday, 6, 5), id) WHERE birthday IS NOT NULL AND deleted_at IS NULL;
