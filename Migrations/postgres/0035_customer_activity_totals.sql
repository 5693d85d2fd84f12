-- SQLite's 0035: per customer, its paid, live orders (how many, their amount) and its live CSAT
-- answers with a score (how many, the scores' sum), kept by triggers in the transaction of every
-- write to orders and feedback, so refreshing a customer's metrics does not count its rows. An
-- update takes a row from the old customer's sums (if it counted) and adds it to the new one's (if
-- it counts); rows are never removed, as in SQLite.
CREATE TABLE customer_activity_totals (
    customer_id  BIGINT PRIMARY KEY,
    paid_orders  BIGINT NOT NULL DEFAULT 0,
    paid_amount  BIGINT NOT NULL DEFAULT 0,
    csat_answers BIGINT NOT NULL DEFAULT 0,
    csat_sum     BIGINT NOT NULL DEFAULT 0
);

INSERT INTO customer_activity_totals (customer_id, paid_orders, paid_amount)
SELECT customer_id, count(*), sum(amount) FROM orders
WHERE status = 'paid' AND deleted_at IS NULL
GROUP BY customer_id;

INSERT INTO customer_activity_totals (customer_id, csat_answers, csat_sum)
SELECT customer_id, count(*), sum(score) FROM feedback
WHERE kind = 'csat' AND score IS NOT NULL AND deleted_at IS NULL
GROUP BY customer_id
ON CONFLICT (customer_id) DO UPDATE SET csat_answers = excluded.csat_answers, csat_sum = excluded.csat_sum;

CREATE FUNCTION customer_activity_totals_order() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status = 'paid' AND OLD.deleted_at IS NULL THEN
        UPDATE customer_activity_totals SET paid_orders = paid_orders - 1, paid_amount = paid_amount - OLD.amount
        WHERE customer_id = OLD.customer_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'paid' AND NEW.deleted_at IS NULL THEN
        INSERT INTO customer_activity_totals (customer_id, paid_orders, paid_amount) VALUES (NEW.customer_id, 1, NEW.amount)
        ON CONFLICT (customer_id) DO UPDATE SET paid_orders = customer_activity_totals.paid_orders + 1,
            paid_amount = customer_activity_totals.paid_amount + excluded.paid_amount;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION customer_activity_totals_feedback() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.kind = 'csat' AND OLD.score IS NOT NULL AND OLD.deleted_at IS NULL THEN
        UPDATE customer_activity_totals SET csat_answers = csat_answers - 1, csat_sum = csat_sum - OLD.score
        WHERE customer_id = OLD.customer_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.kind = 'csat' AND NEW.score IS NOT NULL AND NEW.deleted_at IS NULL THEN
        INSERT INTO customer_activity_totals (customer_id, csat_answers, csat_sum) VALUES (NEW.customer_id, 1, NEW.score)
        ON CONFLICT (customer_id) DO UPDATE SET csat_answers = customer_activity_totals.csat_answers + 1,
            csat_sum = customer_activity_totals.csat_sum + excluded.csat_sum;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customer_activity_totals_order_insert AFTER INSERT ON orders
    FOR EACH ROW WHEN (NEW.status = 'paid' AND NEW.deleted_at IS NULL) EXECUTE FUNCTION customer_activity_totals_order();
CREATE TRIGGER customer_activity_totals_order_update AFTER UPDATE OF customer_id, amount, status, deleted_at ON orders
    FOR EACH ROW WHEN (
        OLD.customer_id <> NEW.customer_id OR OLD.amount <> NEW.amount OR OLD.status <> NEW.status
        OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION customer_activity_totals_order();
CREATE TRIGGER customer_activity_totals_order_delete AFTER DELETE ON orders
    FOR EACH ROW WHEN (OLD.status = 'paid' AND OLD.deleted_at IS NULL) EXECUTE FUNCTION customer_activity_totals_order();

CREATE TRIGGER customer_activity_totals_feedback_insert AFTER INSERT ON feedback
    FOR EACH ROW WHEN (NEW.kind = 'csat' AND NEW.score IS NOT NULL AND NEW.deleted_at IS NULL)
    EXECUTE FUNCTION customer_activity_totals_feedback();
CREATE TRIGGER customer_activity_totals_feedback_update AFTER UPDATE OF customer_id, kind, score, deleted_at ON feedback
    FOR EACH ROW WHEN (
        OLD.customer_id <> NEW.customer_id OR OLD.kind <> NEW.kind OR OLD.score IS DISTINCT FROM NEW.score
        OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION customer_activity_totals_feedback();
CREATE TRIGGER customer_activity_totals_feedback_delete AFTER DELETE ON feedback
    FOR EACH ROW WHEN (OLD.kind = 'csat' AND OLD.score IS NOT NULL AND OLD.deleted_at IS NULL)
    EXECUTE FUNCTION customer_activity_totals_feedback();
