-- SQLite's 0032: opportunities sorted by amount read `coalesce(amount, -1)` (a missing amount
-- first ascending), which the plain (amount, id) index did not serve.
DROP INDEX opportunities_by_amount;
CREATE INDEX opportunities_by_amount ON opportunities (coalesce(amount, -1), id);
