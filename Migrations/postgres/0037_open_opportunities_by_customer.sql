-- SQLite's 0037: the customer's open opportunities are a seek (customer_id, is_closed) instead of
-- a walk of every opportunity it ever had.
DROP INDEX opportunities_by_customer;
CREATE INDEX opportunities_by_customer ON opportunities (customer_id, is_closed);
