-- A customer's timeline reads each kind of record newest first, a page past the cursor, through an
-- index on (customer_id, time, id) (TimelineStore), instead of reading and sorting every record the
-- customer has: a page for a customer with 58,000 orders took 55 ms. Interactions and stage
-- changes have such an index already (their `(customer_id, occurred_at|changed_at)` ends in the
-- rowid).
CREATE INDEX orders_by_customer_time ON orders (customer_id, ordered_at, id);
CREATE INDEX tickets_by_customer_time ON tickets (customer_id, created_at, id);
CREATE INDEX feedback_by_customer_time ON feedback (customer_id, created_at, id);
CREATE INDEX tasks_by_customer_time ON tasks (customer_id, created_at, id);
