-- Data-subject erasure (API.md §2 "data-subject requests"): `POST /v1/customers/{id}/erase`
-- clears a customer's personal fields and rewrites every earlier copy of them (change feed,
-- audit log, idempotency answers, webhook outbox) in one transaction; the customer stays, with
-- its amounts and dates, so reports keep their totals. docs/architecture.md, "Erasure".

-- When and why the customer was erased; an erased customer takes no further writes (409).
ALTER TABLE customers ADD COLUMN erased_at TEXT;
ALTER TABLE customers ADD COLUMN erase_reason TEXT;

-- The customers merged into one (`merged_into`): the same person, erased with it.
CREATE INDEX customers_by_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL;

-- The feed entries of one record: an erase rewrites them (the feed's own index is by type and
-- seq, which would walk every entry of the type).
CREATE INDEX changes_by_record ON changes (record_type, record_id);

-- The customer a stored idempotent answer is about (the answer's own customer, the customer of
-- the record it shows, the customer in its path), so an erase finds the answers holding their
-- data without reading every answer. Answers stored before this migration are linked here by
-- the same rules, as far as their bodies tell.
ALTER TABLE idempotency_keys ADD COLUMN customer_id INTEGER;
UPDATE idempotency_keys SET customer_id = coalesce(
    json_extract(CAST(body AS TEXT), '$.customer_id'),
    CASE WHEN json_extract(CAST(body AS TEXT), '$.lifecycle_stage') IS NOT NULL THEN json_extract(CAST(body AS TEXT), '$.id') END,
    (SELECT t.customer_id FROM tickets t WHERE t.id = json_extract(CAST(body AS TEXT), '$.ticket_id')))
WHERE json_valid(CAST(body AS TEXT)) AND json_type(CAST(body AS TEXT)) = 'object';
CREATE INDEX idempotency_keys_by_customer ON idempotency_keys (customer_id) WHERE customer_id IS NOT NULL;

-- Webhook deliveries that carry their own data (automation.fired: the record the run acted on),
-- by that record, so an erase finds the copies of a customer or of its feedback.
CREATE INDEX webhook_deliveries_by_record
    ON webhook_deliveries (json_extract(data, '$.record_type'), json_extract(data, '$.record_id'))
    WHERE data IS NOT NULL;

-- Duplicates (migration 0022) count live customers only: an erased customer is no one's
-- duplicate. Its email and phone are gone, so their keys leave by the existing triggers; its name
-- becomes "erased" and its company stays, so the name + company key must leave explicitly. The
-- update and delete triggers of that key are therefore replaced by ones that treat an erased
-- customer as not live (the same text as 0022 otherwise, down to the key expression, which must
-- match the index `customers_by_name_company_key`).
DROP TRIGGER customer_duplicate_keys_update_name_company;
CREATE TRIGGER customer_duplicate_keys_update_name_company AFTER UPDATE OF name, company, deleted_at, erased_at ON customers
WHEN old.name IS NOT new.name OR old.company IS NOT new.company
    OR (old.deleted_at IS NULL AND old.erased_at IS NULL) != (new.deleted_at IS NULL AND new.erased_at IS NULL)
BEGIN
    UPDATE customer_duplicate_keys SET count = count - 1
    WHERE old.deleted_at IS NULL AND old.erased_at IS NULL AND old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')));
    DELETE FROM customer_duplicate_keys
    WHERE old.deleted_at IS NULL AND old.erased_at IS NULL AND old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AND count = 0;
    INSERT INTO customer_duplicate_keys SELECT 'name_company', lower(trim(replace(replace(replace(replace(replace(replace(new.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || company_key, 1
    FROM (SELECT lower(trim(replace(replace(replace(replace(replace(replace(new.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AS company_key) WHERE new.deleted_at IS NULL AND new.erased_at IS NULL AND company_key != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

DROP TRIGGER customer_duplicate_keys_delete;
CREATE TRIGGER customer_duplicate_keys_delete AFTER DELETE ON customers WHEN old.deleted_at IS NULL AND old.erased_at IS NULL BEGIN
    UPDATE customer_duplicate_keys SET count = count - 1 WHERE reason = 'email' AND key = old.email_normalized;
    DELETE FROM customer_duplicate_keys WHERE reason = 'email' AND key = old.email_normalized AND count = 0;
    UPDATE customer_duplicate_keys SET count = count - 1 WHERE reason = 'phone' AND key = old.phone_digits;
    DELETE FROM customer_duplicate_keys WHERE reason = 'phone' AND key = old.phone_digits AND count = 0;
    UPDATE customer_duplicate_keys SET count = count - 1
    WHERE old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')));
    DELETE FROM customer_duplicate_keys
    WHERE old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AND count = 0;
END;
