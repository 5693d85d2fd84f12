-- Live customers counted per combination of the dimensions `GET /v1/analytics/customers`
-- reports (lifecycle stage, tier, source, industry, RFM recency and frequency). Triggers keep the
-- counts in the transaction of every write to a customer, so the report reads a few hundred rows
-- instead of grouping a million customers. A missing source or industry is '' and a missing RFM
-- score 0 here, because a UNIQUE key treats NULLs as distinct.

CREATE TABLE customer_counts (
    lifecycle_stage TEXT    NOT NULL,
    tier            TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    industry        TEXT    NOT NULL,
    rfm_r           INTEGER NOT NULL,
    rfm_f           INTEGER NOT NULL,
    count           INTEGER NOT NULL,
    PRIMARY KEY (lifecycle_stage, tier, source, industry, rfm_r, rfm_f)
) WITHOUT ROWID;

INSERT INTO customer_counts
SELECT lifecycle_stage, tier, coalesce(source, ''), coalesce(industry, ''), coalesce(rfm_r, 0), coalesce(rfm_f, 0), count(*)
FROM customers WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER customer_counts_insert AFTER INSERT ON customers WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO customer_counts VALUES (
        new.lifecycle_stage, new.tier, coalesce(new.source, ''), coalesce(new.industry, ''),
        coalesce(new.rfm_r, 0), coalesce(new.rfm_f, 0), 1)
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER customer_counts_update AFTER UPDATE OF lifecycle_stage, tier, source, industry, rfm_r, rfm_f, deleted_at ON customers
WHEN old.lifecycle_stage IS NOT new.lifecycle_stage OR old.tier IS NOT new.tier OR old.source IS NOT new.source
    OR old.industry IS NOT new.industry OR old.rfm_r IS NOT new.rfm_r OR old.rfm_f IS NOT new.rfm_f
    OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_counts SET count = count - 1
    WHERE old.deleted_at IS NULL
      AND lifecycle_stage = old.lifecycle_stage AND tier = old.tier AND source = coalesce(old.source, '')
      AND industry = coalesce(old.industry, '') AND rfm_r = coalesce(old.rfm_r, 0) AND rfm_f = coalesce(old.rfm_f, 0);
    INSERT INTO customer_counts SELECT
        new.lifecycle_stage, new.tier, coalesce(new.source, ''), coalesce(new.industry, ''),
        coalesce(new.rfm_r, 0), coalesce(new.rfm_f, 0), 1
    WHERE new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER customer_counts_delete AFTER DELETE ON customers WHEN old.deleted_at IS NULL BEGIN
    UPDATE customer_counts SET count = count - 1
    WHERE lifecycle_stage = old.lifecycle_stage AND tier = old.tier AND source = coalesce(old.source, '')
      AND industry = coalesce(old.industry, '') AND rfm_r = coalesce(old.rfm_r, 0) AND rfm_f = coalesce(old.rfm_f, 0);
END;
