-- A customer's open tickets (status neither solved nor closed, live) join the sums of 0035, kept
-- by triggers on tickets: the metrics refresh counted them on every write to the customer's
-- activity, 3-4 ms for a customer with 20,000 open tickets, and a merge moving thousands of
-- them refreshed both customers once per ticket, so its cost grew with their square (11.8 s of
-- the writer at 8,000; a helper's audit).
ALTER TABLE customer_activity_totals ADD COLUMN open_tickets INTEGER NOT NULL DEFAULT 0;

INSERT INTO customer_activity_totals (customer_id, open_tickets)
SELECT customer_id, count(*) FROM tickets
WHERE status NOT IN ('solved', 'closed') AND deleted_at IS NULL
GROUP BY customer_id
ON CONFLICT DO UPDATE SET open_tickets = excluded.open_tickets;

CREATE TRIGGER customer_activity_totals_ticket_insert AFTER INSERT ON tickets
WHEN new.status NOT IN ('solved', 'closed') AND new.deleted_at IS NULL BEGIN
    INSERT INTO customer_activity_totals (customer_id, open_tickets) VALUES (new.customer_id, 1)
    ON CONFLICT DO UPDATE SET open_tickets = open_tickets + 1;
END;

CREATE TRIGGER customer_activity_totals_ticket_update AFTER UPDATE OF customer_id, status, deleted_at ON tickets
WHEN old.customer_id != new.customer_id OR old.status != new.status OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_activity_totals SET open_tickets = open_tickets - 1
    WHERE customer_id = old.customer_id AND old.status NOT IN ('solved', 'closed') AND old.deleted_at IS NULL;
    INSERT INTO customer_activity_totals (customer_id, open_tickets)
    SELECT new.customer_id, 1 WHERE new.status NOT IN ('solved', 'closed') AND new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET open_tickets = open_tickets + 1;
END;

CREATE TRIGGER customer_activity_totals_ticket_delete AFTER DELETE ON tickets
WHEN old.status NOT IN ('solved', 'closed') AND old.deleted_at IS NULL BEGIN
    UPDATE customer_activity_totals SET open_tickets = open_tickets - 1 WHERE customer_id = old.customer_id;
END;
