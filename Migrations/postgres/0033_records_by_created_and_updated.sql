-- SQLite's 0033: the record tables' lists sorted or filtered by created_at or updated_at read every
-- row and sorted them for each page; these (key, id) indexes serve them.
CREATE INDEX orders_by_created ON orders (created_at, id);
CREATE INDEX orders_by_updated ON orders (updated_at, id);
CREATE INDEX interactions_by_created ON interactions (created_at, id);
CREATE INDEX interactions_by_updated ON interactions (updated_at, id);
CREATE INDEX opportunities_by_created ON opportunities (created_at, id);
CREATE INDEX opportunities_by_updated ON opportunities (updated_at, id);
CREATE INDEX tickets_by_created ON tickets (created_at, id);
CREATE INDEX tickets_by_updated ON tickets (updated_at, id);
CREATE INDEX feedback_by_created ON feedback (created_at, id);
CREATE INDEX feedback_by_updated ON feedback (updated_at, id);
CREATE INDEX tasks_by_created ON tasks (created_at, id);
CREATE INDEX tasks_by_updated ON tasks (updated_at, id);
