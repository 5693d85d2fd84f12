-- A ticket solved before anyone answered it publicly no longer misses its first-response target
-- later, by the clock alone: the first-response clock stops at the first public staff reply or at
-- the solve, whichever comes first (`coalesce(first_response_at, solved_at)`), as the resolution
-- clock stops at the solve. Before, a ticket solved in minutes turned "breached" once its
-- first_response_due_at passed, and counted against sla_compliance. A reopen clears solved_at, so
-- the clock runs again until a reply or the next solve.
--
-- ticket_due_rollup (0020) is rebuilt with the rule: `met` counts resolution kept and the first
-- response clock stopped on time; `unanswered` counts resolution kept and the clock still running
-- (kept by a pause, neither answered nor solved), which the report still judges row by row.

DROP TRIGGER ticket_due_rollup_insert;
DROP TRIGGER ticket_due_rollup_update;
DROP TRIGGER ticket_due_rollup_delete;
DELETE FROM ticket_due_rollup;

INSERT INTO ticket_due_rollup
SELECT substr(resolution_due_at, 1, 10), count(*),
    sum(kept AND coalesce(first_response_at, solved_at) IS NOT NULL
        AND coalesce(first_response_at, solved_at) <= first_response_due_at),
    sum(kept AND coalesce(first_response_at, solved_at) IS NULL)
FROM (
    SELECT resolution_due_at, first_response_at, solved_at, first_response_due_at,
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
        AND coalesce(new.first_response_at, new.solved_at) IS NOT NULL
        AND coalesce(new.first_response_at, new.solved_at) <= new.first_response_due_at,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND coalesce(new.first_response_at, new.solved_at) IS NULL)
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
            AND coalesce(old.first_response_at, old.solved_at) IS NOT NULL
            AND coalesce(old.first_response_at, old.solved_at) <= old.first_response_due_at),
        unanswered = unanswered - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND coalesce(old.first_response_at, old.solved_at) IS NULL)
    WHERE old.deleted_at IS NULL AND due_on = substr(old.resolution_due_at, 1, 10);
    INSERT INTO ticket_due_rollup SELECT
        substr(new.resolution_due_at, 1, 10), 1,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND coalesce(new.first_response_at, new.solved_at) IS NOT NULL
        AND coalesce(new.first_response_at, new.solved_at) <= new.first_response_due_at,
        CASE WHEN new.paused_since IS NOT NULL THEN new.paused_since <= new.resolution_due_at
        ELSE new.solved_at IS NOT NULL AND new.solved_at <= new.resolution_due_at END
        AND coalesce(new.first_response_at, new.solved_at) IS NULL
    WHERE new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET due = due + 1, met = met + excluded.met, unanswered = unanswered + excluded.unanswered;
END;

CREATE TRIGGER ticket_due_rollup_delete AFTER DELETE ON tickets WHEN old.deleted_at IS NULL BEGIN
    UPDATE ticket_due_rollup SET due = due - 1,
        met = met - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND coalesce(old.first_response_at, old.solved_at) IS NOT NULL
            AND coalesce(old.first_response_at, old.solved_at) <= old.first_response_due_at),
        unanswered = unanswered - (
            CASE WHEN old.paused_since IS NOT NULL THEN old.paused_since <= old.resolution_due_at
            ELSE old.solved_at IS NOT NULL AND old.solved_at <= old.resolution_due_at END
            AND coalesce(old.first_response_at, old.solved_at) IS NULL)
    WHERE due_on = substr(old.resolution_due_at, 1, 10);
END;
