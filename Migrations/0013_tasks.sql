-- Tasks (API.md §2 "tasks"): follow-ups and reminders, made by hand (`source` 'manual') or by an
-- automation ('automation:<id>').

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    customer_id INTEGER REFERENCES customers (id),
    due_at      TEXT,                        -- UTC, RFC 3339 with milliseconds
    assignee    TEXT,
    kind        TEXT    NOT NULL DEFAULT 'follow_up'
                        CHECK (kind IN ('follow_up', 'care', 'data_review', 'renewal', 'other')),
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    source      TEXT    NOT NULL DEFAULT 'manual',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);

-- Lists sort by due date on `coalesce(due_at, '')` (tasks without one first, as every optional
-- sort key does), so the indexes that serve "by due date" are on that expression, ending in id
-- for the keyset's tie-break.

-- "My open tasks by due date": `assignee=…&status=open&sort=due_at` reads one run in order; an
-- assignee alone uses the prefix.
CREATE INDEX tasks_by_assignee ON tasks (assignee, status, coalesce(due_at, ''), id);
-- The team's open (or done) tasks by due date; a status alone uses the prefix.
CREATE INDEX tasks_by_status ON tasks (status, coalesce(due_at, ''), id);
-- A customer's tasks: the customer's timeline and `customer_id=…` lists (by due date too).
CREATE INDEX tasks_by_customer ON tasks (customer_id, coalesce(due_at, ''), id);
-- Every task by due date, and `due_at` ranges (`due_at[lt]=…`, which compare the column itself).
CREATE INDEX tasks_by_due_at ON tasks (coalesce(due_at, ''), id);
CREATE INDEX tasks_by_due_at_range ON tasks (due_at);
