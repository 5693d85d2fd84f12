-- SQLite's 0038: a customer's timeline reads each kind of record newest first, a page past the
-- cursor, through an index on (customer_id, time, id) instead of reading and sorting them all.
CREATE INDEX orders_by_customer_time ON orders (customer_id, ordered_at, id);
CREATE INDEX tickets_by_customer_time ON tickets (customer_id, created_at, id);
CREATE INDEX feedback_by_customer_time ON feedback (customer_id, created_at, id);
CREATE INDEX tasks_by_customer_time ON tasks (customer_id, created_at, id);
