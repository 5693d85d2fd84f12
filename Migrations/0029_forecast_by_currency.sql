-- The forecast's day rows are kept per currency too. Opportunities may carry any currency and
-- the server converts none (orders are refused in any other than the base one), so 0018's rows
-- added USD cents and JPY yen into one amount the report labelled with the base currency. Now
-- each (expected close date, currency) has its row and the report reads one currency's: the
-- base one by default, another with `?currency=`. A missing currency (an opportunity written
-- outside the API) is keyed '' and counted as the base currency, which the API gives it.

DROP TRIGGER forecast_rollup_insert;
DROP TRIGGER forecast_rollup_update;
DROP TRIGGER forecast_rollup_delete;
DROP TABLE forecast_rollup;

CREATE TABLE forecast_rollup (
    close_on TEXT    NOT NULL,
    currency TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    amount   INTEGER NOT NULL,
    weighted INTEGER NOT NULL,
    PRIMARY KEY (close_on, currency)
) WITHOUT ROWID;

INSERT INTO forecast_rollup
SELECT expected_close_date, coalesce(currency, ''), count(*), coalesce(sum(amount), 0),
    coalesce(sum(coalesce(amount, 0) * coalesce(probability, 0)), 0)
FROM opportunities
WHERE deleted_at IS NULL AND is_closed = 0 AND expected_close_date IS NOT NULL
GROUP BY 1, 2;

CREATE TRIGGER forecast_rollup_insert AFTER INSERT ON opportunities
WHEN new.deleted_at IS NULL AND new.is_closed = 0 AND new.expected_close_date IS NOT NULL
BEGIN
    INSERT INTO forecast_rollup VALUES (
        new.expected_close_date, coalesce(new.currency, ''), 1, coalesce(new.amount, 0),
        coalesce(new.amount, 0) * coalesce(new.probability, 0))
    ON CONFLICT DO UPDATE SET count = count + 1, amount = amount + excluded.amount, weighted = weighted + excluded.weighted;
END;

CREATE TRIGGER forecast_rollup_update
AFTER UPDATE OF expected_close_date, currency, amount, probability, is_closed, deleted_at ON opportunities
WHEN old.expected_close_date IS NOT new.expected_close_date OR old.currency IS NOT new.currency OR old.amount IS NOT new.amount
    OR old.probability IS NOT new.probability OR old.is_closed IS NOT new.is_closed
    OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE forecast_rollup SET count = count - 1, amount = amount - coalesce(old.amount, 0),
        weighted = weighted - coalesce(old.amount, 0) * coalesce(old.probability, 0)
    WHERE old.deleted_at IS NULL AND old.is_closed = 0 AND close_on = old.expected_close_date
        AND currency = coalesce(old.currency, '');
    INSERT INTO forecast_rollup SELECT
        new.expected_close_date, coalesce(new.currency, ''), 1, coalesce(new.amount, 0),
        coalesce(new.amount, 0) * coalesce(new.probability, 0)
    WHERE new.deleted_at IS NULL AND new.is_closed = 0 AND new.expected_close_date IS NOT NULL
    ON CONFLICT DO UPDATE SET count = count + 1, amount = amount + excluded.amount, weighted = weighted + excluded.weighted;
END;

CREATE TRIGGER forecast_rollup_delete AFTER DELETE ON opportunities
WHEN old.deleted_at IS NULL AND old.is_closed = 0 AND old.expected_close_date IS NOT NULL
BEGIN
    UPDATE forecast_rollup SET count = count - 1, amount = amount - coalesce(old.amount, 0),
        weighted = weighted - coalesce(old.amount, 0) * coalesce(old.probability, 0)
    WHERE close_on = old.expected_close_date AND currency = coalesce(old.currency, '');
END;
