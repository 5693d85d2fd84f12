-- An opportunity without an amount sorts first ascending, as every list sorts a missing value
-- (API.md), and by a number, not by text: `coalesce(amount, '')` put it after every amount here
-- (SQLite orders numbers before text) and was an error on PostgreSQL. The list now sorts by
-- `coalesce(amount, -1)` (amounts are 0 or more); this is its index.
DROP INDEX opportunities_by_amount;
CREATE INDEX opportunities_by_amount ON opportunities (coalesce(amount, -1), id);
