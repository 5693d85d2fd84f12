-- Lists of the large record tables sorted by `created_at` or `updated_at` (every collection
-- documents both sorts), or filtered on a range of them, read every live row and sorted them for
-- each page: on the benchmark's database (1,381,000 orders, 1,000,000 interactions) a page of
-- orders by `-created_at` took 0.5-1.6 s and of interactions 0.3 s, tasks, tickets, feedback
-- and opportunities 70-150 ms, on a worker. Each index is (key, id), the list's order with its
-- tie-break, so a page seeks its place and reads `limit` entries. Both keys are written with the
-- time of the write, so new entries land at the index's end, where the previous write left its
-- page in the cache: little for a write to pay.
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
