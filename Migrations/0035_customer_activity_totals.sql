-- What a customer's derived metrics (API.md §3) sum over its activity: its paid, live orders
-- (how many, and their amount) and its live CSAT answers with a score (how many, and the scores'
-- sum). The metrics are refreshed in the transaction of every write to the customer's activity;
-- counting the rows each time made a write cost time in their number (an order for a customer
-- with 9,700 orders held the writer 2.3 ms). Triggers keep the sums in the transaction of every
-- write to orders and feedback, whatever path made it: a request, a batch, an import, a merge
-- moving a customer's rows to another, an erasure, a seed. A customer with nothing counted may
-- have no row; rows are never removed.

CREATE TABLE customer_activity_totals (
    customer_id  INTEGER PRIMARY KEY,
    paid_orders  INTEGER NOT NULL DEFAULT 0,
    paid_amount  INTEGER NOT NULL DEFAULT 0,
    csat_answers INTEGER NOT NULL DEFAULT 0,
    csat_sum     INTEGER NOT NULL DEFAULT 0
);

INSERT INTO customer_activity_totals (customer_id, paid_orders, paid_amount)
SELECT customer_id, count(*), sum(amount) FROM orders
WHERE status = 'paid' AND deleted_at IS NULL
GROUP BY customer_id;

INSERT INTO customer_activity_totals (customer_id, csat_answers, csat_sum)
SELECT customer_id, count(*), sum(score) FROM feedback
WHERE kind = 'csat' AND score IS NOT NULL AND deleted_at IS NULL
GROUP BY customer_id
ON CONFLICT DO UPDATE SET csat_answers = excluded.csat_answers, csat_sum = excluded.csat_sum;

-- An order counts while it is paid and live; an update takes it from the old customer's sums (if
-- it counted) and adds it to the new one's (if it counts), which moves it when a merge changes its
-- customer_id.
CREATE TRIGGER customer_activity_totals_order_insert AFTER INSERT ON orders
WHEN new.status = 'paid' AND new.deleted_at IS NULL BEGIN
    INSERT INTO customer_activity_totals (customer_id, paid_orders, paid_amount) VALUES (new.customer_id, 1, new.amount)
    ON CONFLICT DO UPDATE SET paid_orders = paid_orders + 1, paid_amount = paid_amount + excluded.paid_amount;
END;

CREATE TRIGGER customer_activity_totals_order_update AFTER UPDATE OF customer_id, amount, status, deleted_at ON orders
WHEN old.customer_id != new.customer_id OR old.amount != new.amount OR old.status != new.status
    OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_activity_totals SET paid_orders = paid_orders - 1, paid_amount = paid_amount - old.amount
    WHERE customer_id = old.customer_id AND old.status = 'paid' AND old.deleted_at IS NULL;
    INSERT INTO customer_activity_totals (customer_id, paid_orders, paid_amount)
    SELECT new.customer_id, 1, new.amount WHERE new.status = 'paid' AND new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET paid_orders = paid_orders + 1, paid_amount = paid_amount + excluded.paid_amount;
END;

CREATE TRIGGER customer_activity_totals_order_delete AFTER DELETE ON orders
WHEN old.status = 'paid' AND old.deleted_at IS NULL BEGIN
    UPDATE customer_activity_totals SET paid_orders = paid_orders - 1, paid_amount = paid_amount - old.amount
    WHERE customer_id = old.customer_id;
END;

-- A CSAT answer counts while it is live and has a score.
CREATE TRIGGER customer_activity_totals_feedback_insert AFTER INSERT ON feedback
WHEN new.kind = 'csat' AND new.score IS NOT NULL AND new.deleted_at IS NULL BEGIN
    INSERT INTO customer_activity_totals (customer_id, csat_answers, csat_sum) VALUES (new.customer_id, 1, new.score)
    ON CONFLICT DO UPDATE SET csat_answers = csat_answers + 1, csat_sum = csat_sum + excluded.csat_sum;
END;

CREATE TRIGGER customer_activity_totals_feedback_update AFTER UPDATE OF customer_id, kind, score, deleted_at ON feedback
WHEN old.customer_id != new.customer_id OR old.kind != new.kind OR old.score IS NOT new.score
    OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_activity_totals SET csat_answers = csat_answers - 1, csat_sum = csat_sum - old.score
    WHERE customer_id = old.customer_id AND old.kind = 'csat' AND old.score IS NOT NULL AND old.deleted_at IS NULL;
    INSERT INTO customer_activity_totals (customer_id, csat_answers, csat_sum)
    SELECT new.customer_id, 1, new.score WHERE new.kind = 'csat' AND new.score IS NOT NULL AND new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET csat_answers = csat_answers + 1, csat_sum = csat_sum + excluded.csat_sum;
END;

CREATE TRIGGER customer_activity_totals_feedback_delete AFTER DELETE ON feedback
WHEN old.kind = 'csat' AND old.score IS NOT NULL AND old.deleted_at IS NULL BEGIN
    UPDATE customer_activity_totals SET csat_answers = csat_answers - 1, csat_sum = csat_sum - old.score
    WHERE customer_id = old.customer_id;
END;
