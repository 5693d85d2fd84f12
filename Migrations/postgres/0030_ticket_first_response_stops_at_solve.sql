-- SQLite's 0030: the first-response clock stops at the first public staff reply or at the solve,
-- whichever comes first, and ticket_due_rollup is rebuilt with that rule (its comment gives the
-- reasons). The trigger functions are replaced in place; the triggers that call them stay.

CREATE OR REPLACE FUNCTION ticket_due_rollup_add() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    kept boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.deleted_at IS NULL THEN
        kept := ticket_resolution_kept(OLD.paused_since, OLD.solved_at, OLD.resolution_due_at);
        UPDATE ticket_due_rollup SET due = due - 1,
            met = met - (kept AND coalesce(OLD.first_response_at, OLD.solved_at) IS NOT NULL
                AND coalesce(OLD.first_response_at, OLD.solved_at) <= OLD.first_response_due_at)::int,
            unanswered = unanswered - (kept AND coalesce(OLD.first_response_at, OLD.solved_at) IS NULL)::int
        WHERE due_on = substr(OLD.resolution_due_at, 1, 10);
    END IF;
    IF NEW.deleted_at IS NULL THEN
        kept := ticket_resolution_kept(NEW.paused_since, NEW.solved_at, NEW.resolution_due_at);
        INSERT INTO ticket_due_rollup (due_on, due, met, unanswered) VALUES (
            substr(NEW.resolution_due_at, 1, 10), 1,
            (kept AND coalesce(NEW.first_response_at, NEW.solved_at) IS NOT NULL
                AND coalesce(NEW.first_response_at, NEW.solved_at) <= NEW.first_response_due_at)::int,
            (kept AND coalesce(NEW.first_response_at, NEW.solved_at) IS NULL)::int)
        ON CONFLICT (due_on) DO UPDATE SET due = ticket_due_rollup.due + 1,
            met = ticket_due_rollup.met + excluded.met, unanswered = ticket_due_rollup.unanswered + excluded.unanswered;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION ticket_due_rollup_remove() RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    kept boolean := ticket_resolution_kept(OLD.paused_since, OLD.solved_at, OLD.resolution_due_at);
BEGIN
    UPDATE ticket_due_rollup SET due = due - 1,
        met = met - (kept AND coalesce(OLD.first_response_at, OLD.solved_at) IS NOT NULL
            AND coalesce(OLD.first_response_at, OLD.solved_at) <= OLD.first_response_due_at)::int,
        unanswered = unanswered - (kept AND coalesce(OLD.first_response_at, OLD.solved_at) IS NULL)::int
    WHERE due_on = substr(OLD.resolution_due_at, 1, 10);
    RETURN NULL;
END
$$;

DELETE FROM ticket_due_rollup;
INSERT INTO ticket_due_rollup (due_on, due, met, unanswered)
SELECT substr(resolution_due_at, 1, 10), count(*),
    sum((kept AND coalesce(first_response_at, solved_at) IS NOT NULL
        AND coalesce(first_response_at, solved_at) <= first_response_due_at)::int),
    sum((kept AND coalesce(first_response_at, solved_at) IS NULL)::int)
FROM (
    SELECT resolution_due_at, first_response_at, solved_at, first_response_due_at,
        ticket_resolution_kept(paused_since, solved_at, resolution_due_at) AS kept
    FROM tickets WHERE deleted_at IS NULL
) t
GROUP BY 1;
