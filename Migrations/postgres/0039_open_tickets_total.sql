-- SQLite's 0039: a customer's open tickets (neither solved nor closed, live) join the sums of
-- 0035, kept by triggers on tickets, so a metrics refresh does not count them.
ALTER TABLE customer_activity_totals ADD COLUMN open_tickets BIGINT NOT NULL DEFAULT 0;

INSERT INTO customer_activity_totals (customer_id, open_tickets)
SELECT customer_id, count(*) FROM tickets
WHERE status NOT IN ('solved', 'closed') AND deleted_at IS NULL
GROUP BY customer_id
ON CONFLICT (customer_id) DO UPDATE SET open_tickets = excluded.open_tickets;

CREATE FUNCTION customer_activity_totals_ticket() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status NOT IN ('solved', 'closed') AND OLD.deleted_at IS NULL THEN
        UPDATE customer_activity_totals SET open_tickets = open_tickets - 1 WHERE customer_id = OLD.customer_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status NOT IN ('solved', 'closed') AND NEW.deleted_at IS NULL THEN
        INSERT INTO customer_activity_totals (customer_id, open_tickets) VALUES (NEW.customer_id, 1)
        ON CONFLICT (customer_id) DO UPDATE SET open_tickets = customer_activity_totals.open_tickets + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customer_activity_totals_ticket_insert AFTER INSERT ON tickets
    FOR EACH ROW WHEN (NEW.status NOT IN ('solved', 'closed') AND NEW.deleted_at IS NULL)
    EXECUTE FUNCTION customer_activity_totals_ticket();
CREATE TRIGGER customer_activity_totals_ticket_update AFTER UPDATE OF customer_id, status, deleted_at ON tickets
    FOR EACH ROW WHEN (
        OLD.customer_id <> NEW.customer_id OR OLD.status <> NEW.status OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION customer_activity_totals_ticket();
CREATE TRIGGER customer_activity_totals_ticket_delete AFTER DELETE ON tickets
    FOR EACH ROW WHEN (OLD.status NOT IN ('solved', 'closed') AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION customer_activity_totals_ticket();
