-- SQLite's 0029: the forecast's day rows are kept per currency too (opportunities may carry any
-- currency and none is converted, so one sum mixed them), a missing currency keyed ''.

DROP TRIGGER forecast_rollup_insert ON opportunities;
DROP TRIGGER forecast_rollup_update ON opportunities;
DROP TRIGGER forecast_rollup_delete ON opportunities;
DROP TABLE forecast_rollup;

CREATE TABLE forecast_rollup (
    close_on TEXT COLLATE "C" NOT NULL,
    currency TEXT COLLATE "C" NOT NULL,
    count    BIGINT NOT NULL,
    amount   BIGINT NOT NULL,
    weighted BIGINT NOT NULL,
    PRIMARY KEY (close_on, currency)
);

INSERT INTO forecast_rollup
SELECT expected_close_date, coalesce(currency, ''), count(*), coalesce(sum(amount), 0),
    coalesce(sum(coalesce(amount, 0) * coalesce(probability, 0)), 0)
FROM opportunities
WHERE deleted_at IS NULL AND is_closed = 0 AND expected_close_date IS NOT NULL
GROUP BY 1, 2;

-- An open, live opportunity with an expected close date counts in its day and currency's row.
CREATE OR REPLACE FUNCTION forecast_rollup_add() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.deleted_at IS NULL AND OLD.is_closed = 0 THEN
        UPDATE forecast_rollup SET count = count - 1, amount = amount - coalesce(OLD.amount, 0),
            weighted = weighted - coalesce(OLD.amount, 0) * coalesce(OLD.probability, 0)
        WHERE close_on = OLD.expected_close_date AND currency = coalesce(OLD.currency, '');
    END IF;
    IF NEW.deleted_at IS NULL AND NEW.is_closed = 0 AND NEW.expected_close_date IS NOT NULL THEN
        INSERT INTO forecast_rollup (close_on, currency, count, amount, weighted)
        VALUES (NEW.expected_close_date, coalesce(NEW.currency, ''), 1, coalesce(NEW.amount, 0),
            coalesce(NEW.amount, 0) * coalesce(NEW.probability, 0))
        ON CONFLICT (close_on, currency) DO UPDATE SET count = forecast_rollup.count + 1,
            amount = forecast_rollup.amount + excluded.amount, weighted = forecast_rollup.weighted + excluded.weighted;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION forecast_rollup_remove() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    UPDATE forecast_rollup SET count = count - 1, amount = amount - coalesce(OLD.amount, 0),
        weighted = weighted - coalesce(OLD.amount, 0) * coalesce(OLD.probability, 0)
    WHERE close_on = OLD.expected_close_date AND currency = coalesce(OLD.currency, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER forecast_rollup_insert AFTER INSERT ON opportunities
    FOR EACH ROW WHEN (NEW.deleted_at IS NULL AND NEW.is_closed = 0 AND NEW.expected_close_date IS NOT NULL)
    EXECUTE FUNCTION forecast_rollup_add();
CREATE TRIGGER forecast_rollup_update
    AFTER UPDATE OF expected_close_date, currency, amount, probability, is_closed, deleted_at ON opportunities
    FOR EACH ROW WHEN (
        OLD.expected_close_date IS DISTINCT FROM NEW.expected_close_date OR OLD.currency IS DISTINCT FROM NEW.currency
        OR OLD.amount IS DISTINCT FROM NEW.amount
        OR OLD.probability IS DISTINCT FROM NEW.probability OR OLD.is_closed IS DISTINCT FROM NEW.is_closed
        OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
    EXECUTE FUNCTION forecast_rollup_add();
CREATE TRIGGER forecast_rollup_delete AFTER DELETE ON opportunities
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND OLD.is_closed = 0 AND OLD.expected_close_date IS NOT NULL)
    EXECUTE FUNCTION forecast_rollup_remove();
