-- What `GET /v1/analytics/tickets` reads instead of every ticket, kept in the transaction of every
-- ticket write (days are `YYYY-MM-DD`, UTC):
--
-- ticket_counts: live tickets per status and priority (the backlog).
--
-- ticket_due_rollup: live tickets per day their resolution falls due, with how many of them met
-- both targets in a way no later clock reading can change. The report counts only tickets already
-- due (resolution_due_at < now), and for those the breach rule of TicketStore.breachedCondition
-- no longer depends on `now` except in one case: resolution kept (solved, or paused, by the due
-- time) and no first response yet, where the first response is still on time while now <=
-- first_response_due_at. `met` counts resolution kept and first response on time; `unanswered`
-- counts resolution kept and no first response, which the report judges row by row at `now`.
--
-- ticket_created_rollup: live tickets per day of creation with a time to first response and with
-- a time to resolution (the minutes expressions below are not null), so the medians know how
-- many values their window holds. The medians themselves are read from the two partial indexes
-- on those minutes expressions, by OFFSET into the index order: exactly the values, in exactly
-- the order, the report computed before.

CREATE TABLE ticket_counts (
    status   TEXT    NOT NULL,
    priority TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (status, priority)
) WITHOUT ROWID;

INSERT INTO ticket_counts SELECT status, priority, count(*) FROM tickets WHERE deleted_at IS NULL GROUP BY 1, 2;

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO ticket_counts VALUES (new.status, new.priority, 1) ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER ticket_counts_update AFTER UPDATE OF status, priority, deleted_at ON tickets
WHEN old.status IS NOT new.status OR old.priority IS NOT new.priority OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE ticket_counts SET count = count - 1 WHERE old.deleted_at IS NULL AND status = old.status AND priority = old.priority;
    INSERT INTO ticket_counts SELECT new.status, new.priority, 1 WHERE new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets WHEN old.deleted_at IS NULL BEGIN
    UPDATE ticket_counts SET count = count - 1 WHERE status = old.status AND priority = old.priority;
END;

CREATE TABLE ticket_due_rollup (
    due_on     TEXT    NOT NULL PRIMARY KEY,
    due        INTEGER NOT NULL,
    met        INTEGER NOT NULL,
    unanswered INTEGER NOT NULL
) WITHOUT ROWID;

-- The resolution target kept, judged once the resolution is due: paused, or solved, by then.
-- (Written out in each statement below, with the row's alias.)
INSERT INTO ticket_due_rollup
SELECT substr(resolution_due_at, 1, 10), count(*),
    sum(kept AND first_response_at IS NOT NULL AND first_response_at <= first_response_due_at),
    sum(kept AND first_response_at IS NULL)
FROM (
    SELECT resolution_due_at, first_response_at, first_response_due_at,
        CASE WHEN paused_since IS NOT NULL THEN paused_since <= resolution_due_at
        ELSE solved_at IS NOT NULL AND solved_at <= resolution_due_at END AS kept
    FROM tickets WHERE deleted_at IS NULL
)
GROUP BY 1;

CREATE TRIGGER ticket_due_rollup_insert AFTER INSERT ON tickets WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO ticket_due_rollup VALUES (
        substr(new.resolution_due_at, 1, 10), 1,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND new.first_response_at IS NOT NULL AND new.first_response_at <= new.first_response_due_at,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND new.first_response_at IS NULL)
    ON CONFLICT DO UPDATE SET due = due + 1, met = met + excluded.met, unanswered = unanswered + excluded.unanswered;
END;

CREATE TRIGGER ticket_due_rollup_update
AFTER UPDATE OF resolution_due_at, first_response_due_at, first_response_at, paused_since, solved_at, deleted_at ON tickets
WHEN old.resolution_due_at IS NOT new.resolution_due_at OR old.first_response_due_at IS NOT new.first_response_due_at
    OR old.first_response_at IS NOT new.first_response_at OR old.paused_since IS NOT new.paused_since
    OR old.solved_at IS NOT new.solved_at OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE ticket_due_rollup SET due = due - 1,
        met = met - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND old.first_response_at IS NOT NULL AND old.first_response_at <= old.first_response_due_at),
        unanswered = unanswered - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND old.first_response_at IS NULL)
    WHERE old.deleted_at IS NULL AND due_on = substr(old.resolution_due_at, 1, 10);
    INSERT INTO ticket_due_rollup SELECT
        substr(new.resolution_due_at, 1, 10), 1,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND new.first_response_at IS NOT NULL AND new.first_response_at <= new.first_response_due_at,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND new.first_response_at IS NULL
    WHERE new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET due = due + 1, met = met + excluded.met, unanswered = unanswered + excluded.unanswered;
END;

CREATE TRIGGER ticket_due_rollup_delete AFTER DELETE ON tickets WHEN old.deleted_at IS NULL BEGIN
    UPDATE ticket_due_rollup SET due = due - 1,
        met = met - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND old.first_response_at IS NOT NULL AND old.first_response_at <= old.first_response_due_at),
        unanswered = unanswered - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND old.first_response_at IS NULL)
    WHERE due_on = substr(old.resolution_due_at, 1, 10);
END;

CREATE TABLE ticket_created_rollup (
    created_on TEXT    NOT NULL PRIMARY KEY,
    responded  INTEGER NOT NULL,
    solved     INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO ticket_created_rollup
SELECT substr(created_at, 1, 10),
    sum((julianday(first_response_at) - julianday(created_at)) IS NOT NULL),
    sum((julianday(solved_at) - julianday(created_at)) IS NOT NULL)
FROM tickets WHERE deleted_at IS NULL
GROUP BY 1;

CREATE TRIGGER ticket_created_rollup_insert AFTER INSERT ON tickets WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO ticket_created_rollup VALUES (
        substr(new.created_at, 1, 10),
        (julianday(new.first_response_at) - julianday(new.created_at)) IS NOT NULL,
        (julianday(new.solved_at) - julianday(new.created_at)) IS NOT NULL)
    ON CONFLICT DO UPDATE SET responded = responded + excluded.responded, solved = solved + excluded.solved;
END;

CREATE TRIGGER ticket_created_rollup_update AFTER UPDATE OF created_at, first_response_at, solved_at, deleted_at ON tickets
WHEN old.created_at IS NOT new.created_at OR old.first_response_at IS NOT new.first_response_at
    OR old.solved_at IS NOT new.solved_at OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE ticket_created_rollup SET
        responded = responded - ((julianday(old.first_response_at) - julianday(old.created_at)) IS NOT NULL),
        solved = solved - ((julianday(old.solved_at) - julianday(old.created_at)) IS NOT NULL)
    WHERE old.deleted_at IS NULL AND created_on = substr(old.created_at, 1, 10);
    INSERT INTO ticket_created_rollup SELECT
        substr(new.created_at, 1, 10),
        (julianday(new.first_response_at) - julianday(new.created_at)) IS NOT NULL,
        (julianday(new.solved_at) - julianday(new.created_at)) IS NOT NULL
    WHERE new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET responded = responded + excluded.responded, solved = solved + excluded.solved;
END;

CREATE TRIGGER ticket_created_rollup_delete AFTER DELETE ON tickets WHEN old.deleted_at IS NULL BEGIN
    UPDATE ticket_created_rollup SET
        responded = responded - ((julianday(old.first_response_at) - julianday(old.created_at)) IS NOT NULL),
        solved = solved - ((julianday(old.solved_at) - julianday(old.created_at)) IS NOT NULL)
    WHERE created_on = substr(old.created_at, 1, 10);
END;

-- The minutes the medians are taken of, in order, for the live tickets that have them; the
-- expressions are TicketReportStore's, character for character apart from the alias.
CREATE INDEX tickets_by_first_response_minutes
ON tickets ((julianday(first_response_at) - julianday(created_at)) * 1440, created_at)
WHERE deleted_at IS NULL AND first_response_at IS NOT NULL;

CREATE INDEX tickets_by_resolution_minutes
ON tickets ((julianday(solved_at) - julianday(created_at)) * 1440 - paused_ms / 60000.0, created_at)
WHERE deleted_at IS NULL AND solved_at IS NOT NULL;
