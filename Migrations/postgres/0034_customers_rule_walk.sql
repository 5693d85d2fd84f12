-- SQLite's 0034: a narrow index of the id and the fields segments are commonly built on, which a
-- broad rule tree is walked through in id order instead of the table. PostgreSQL's planner may
-- read it the same way (an index-only scan in id order) and keeps the same schema as SQLite.
CREATE INDEX customers_rule_walk ON customers (
    id, lifecycle_stage, tier, total_spent, order_count, last_order_at, churn_score,
    type, country, owner, marketing_opt_in, deleted_at, erased_at
);
