-- Lists that rank customers within a lifecycle stage or tier by value (top spenders among loyal
-- customers, VIPs by spend) are served in index order instead of sorting the whole segment.
CREATE INDEX customers_by_lifecycle_spend ON customers (lifecycle_stage, total_spent, id);
CREATE INDEX customers_by_tier_spend ON customers (tier, total_spent, id);
