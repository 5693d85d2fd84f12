-- The open pipeline (`GET /v1/analytics/forecast`) per expected close date: how many live, not
-- closed opportunities are expected to close that day, their amount and Σ amount × probability
-- (a missing amount or probability counts as 0). Kept in the transaction of every opportunity
-- write, so the report sums a few hundred day rows by month instead of reading every open
-- opportunity. The key is `expected_close_date` as stored, so the report's window compares the
-- same strings the opportunities hold.

CREATE TABLE forecast_rollup (
    close_on TEXT    NOT NULL PRIMARY KEY,
    count    INTEGER NOT NULL,
    amount   INTEGER NOT NULL,
    weighted INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO forecast_rollup
SELECT expected_close_date, count(*), coalesce(sum(amount), 0), coalesce(sum(coalesce(amount, 0) * coalesce(probability, 0)), 0)
FROM opportunities
WHERE deleted_at IS NULL AND is_closed = 0 AND expected_close_date IS NOT NULL
GROUP BY 1;

CREATE TRIGGER forecast_rollup_insert AFTER INSERT ON opportunities
WHEN new.deleted_at IS NULL AND new.is_closed = 0 AND new.expected_close_date IS NOT NULL
BEGIN
    INSERT INTO forecast_rollup VALUES (
        new.expected_close_date, 1, coalesce(new.amount, 0), coalesce(new.amount, 0) * coalesce(new.probability, 0))
    ON CONFLICT DO UPDATE SET count = count + 1, amount = amount + excluded.amount, weighted = weighted + excluded.weighted;
END;

CREATE TRIGGER forecast_rollup_update AFTER UPDATE OF expected_close_date, amount, probability, is_closed, deleted_at ON opportunities
WHEN old.expected_close_date IS NOT new.expected_close_date OR old.amount IS NOT new.amount
    OR old.probability IS NOT new.probability OR old.is_closed IS NOT new.is_closed
    OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE forecast_rollup SET count = count - 1, amount = amount - coalesce(old.amount, 0),
        weighted = weighted - coalesce(old.amount, 0) * coalesce(old.probability, 0)
    WHERE old.deleted_at IS NULL AND old.is_closed = 0 AND close_on = old.expected_close_date;
    INSERT INTO forecast_rollup SELECT
        new.expected_close_date, 1, coalesce(new.amount, 0), coalesce(new.amount, 0) * coalesce(new.probability, 0)
    WHERE new.deleted_at IS NULL AND new.is_closed = 0 AND new.expected_close_date IS NOT NULL
    ON CONFLICT DO UPDATE SET count = count + 1, amount = amount + excluded.amount, weighted = weighted + excluded.weighted;
END;

CREATE TRIGGER forecast_rollup_delete AFTER DELETE ON opportunities
WHEN old.deleted_at IS NULL AND old.is_closed = 0 AND old.expected_close_date IS NOT NULL
BEGIN
    UPDATE forecast_rollup SET count = count - 1, amount = amount - coalesce(old.amount, 0),
        weighted = weighted - coalesce(old.amount, 0) * coalesce(old.probability, 0)
    WHERE close_on = old.expected_close_date;
END;
