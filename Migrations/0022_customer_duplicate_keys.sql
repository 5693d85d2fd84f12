-- Serves `GET /v1/customers/duplicates` without grouping the customers per page: how many live
-- customers share each normalised email, phone digits and name + company key, kept by triggers on
-- `customers` in the transaction of every write. Paging reads the keys shared by more than one
-- customer (`customer_duplicate_keys_shared`, in (reason, key) order); each group's members come
-- through an index: `customers_email_live`, `customers_by_phone`, and for name + company the
-- expression index below. Keys no live customer holds are removed, so the table holds the live
-- keys only.
--
-- The name + company key is `name | company`, each lower-cased (ASCII letters, as SQLite's
-- `lower`), trimmed and with each run of whitespace (spaces, tabs, line breaks) one space; stored
-- text never holds char(1) (TextRules refuses control characters), so it marks the runs. Every
-- copy of that expression here must stay identical to CustomerDuplicateStore.nameCompanyKey, or
-- SQLite will not use the index for the member lookup. A customer counts for name + company only
-- with a company that is not blank once normalised; for email and phone, with a value that is
-- not empty.

CREATE TABLE customer_duplicate_keys (
    reason TEXT    NOT NULL,
    key    TEXT    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (reason, key)
) WITHOUT ROWID;

INSERT INTO customer_duplicate_keys
SELECT 'email', email_normalized, count(*) FROM customers
WHERE deleted_at IS NULL AND email_normalized != ''
GROUP BY email_normalized;

INSERT INTO customer_duplicate_keys
SELECT 'phone', phone_digits, count(*) FROM customers
WHERE deleted_at IS NULL AND phone_digits != ''
GROUP BY phone_digits;

INSERT INTO customer_duplicate_keys
SELECT 'name_company', key, count(*) FROM (
    SELECT lower(trim(replace(replace(replace(replace(replace(replace(name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AS key
    FROM customers
    WHERE deleted_at IS NULL AND company IS NOT NULL AND lower(trim(replace(replace(replace(replace(replace(replace(company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) != ''
)
GROUP BY key;

CREATE INDEX customer_duplicate_keys_shared ON customer_duplicate_keys (reason, key) WHERE count > 1;

CREATE INDEX customers_by_name_company_key ON customers (lower(trim(replace(replace(replace(replace(replace(replace(name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))))
    WHERE deleted_at IS NULL AND company IS NOT NULL;

CREATE TRIGGER customer_duplicate_keys_insert AFTER INSERT ON customers WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO customer_duplicate_keys SELECT 'email', new.email_normalized, 1 WHERE new.email_normalized != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
    INSERT INTO customer_duplicate_keys SELECT 'phone', new.phone_digits, 1 WHERE new.phone_digits != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
    INSERT INTO customer_duplicate_keys SELECT 'name_company', lower(trim(replace(replace(replace(replace(replace(replace(new.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || company_key, 1
    FROM (SELECT lower(trim(replace(replace(replace(replace(replace(replace(new.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AS company_key) WHERE company_key != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

-- An update takes the old row's key away (if it was live) and adds the new one's (if it is live).
CREATE TRIGGER customer_duplicate_keys_update_email AFTER UPDATE OF email_normalized, deleted_at ON customers
WHEN old.email_normalized IS NOT new.email_normalized OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_duplicate_keys SET count = count - 1
    WHERE old.deleted_at IS NULL AND reason = 'email' AND key = old.email_normalized;
    DELETE FROM customer_duplicate_keys
    WHERE old.deleted_at IS NULL AND reason = 'email' AND key = old.email_normalized AND count = 0;
    INSERT INTO customer_duplicate_keys SELECT 'email', new.email_normalized, 1
    WHERE new.deleted_at IS NULL AND new.email_normalized != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER customer_duplicate_keys_update_phone AFTER UPDATE OF phone_digits, deleted_at ON customers
WHEN old.phone_digits IS NOT new.phone_digits OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_duplicate_keys SET count = count - 1
    WHERE old.deleted_at IS NULL AND reason = 'phone' AND key = old.phone_digits;
    DELETE FROM customer_duplicate_keys
    WHERE old.deleted_at IS NULL AND reason = 'phone' AND key = old.phone_digits AND count = 0;
    INSERT INTO customer_duplicate_keys SELECT 'phone', new.phone_digits, 1
    WHERE new.deleted_at IS NULL AND new.phone_digits != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER customer_duplicate_keys_update_name_company AFTER UPDATE OF name, company, deleted_at ON customers
WHEN old.name IS NOT new.name OR old.company IS NOT new.company OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE customer_duplicate_keys SET count = count - 1
    WHERE old.deleted_at IS NULL AND old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')));
    DELETE FROM customer_duplicate_keys
    WHERE old.deleted_at IS NULL AND old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AND count = 0;
    INSERT INTO customer_duplicate_keys SELECT 'name_company', lower(trim(replace(replace(replace(replace(replace(replace(new.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || company_key, 1
    FROM (SELECT lower(trim(replace(replace(replace(replace(replace(replace(new.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AS company_key) WHERE new.deleted_at IS NULL AND company_key != ''
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER customer_duplicate_keys_delete AFTER DELETE ON customers WHEN old.deleted_at IS NULL BEGIN
    UPDATE customer_duplicate_keys SET count = count - 1 WHERE reason = 'email' AND key = old.email_normalized;
    DELETE FROM customer_duplicate_keys WHERE reason = 'email' AND key = old.email_normalized AND count = 0;
    UPDATE customer_duplicate_keys SET count = count - 1 WHERE reason = 'phone' AND key = old.phone_digits;
    DELETE FROM customer_duplicate_keys WHERE reason = 'phone' AND key = old.phone_digits AND count = 0;
    UPDATE customer_duplicate_keys SET count = count - 1
    WHERE old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), '')));
    DELETE FROM customer_duplicate_keys
    WHERE old.company IS NOT NULL AND reason = 'name_company' AND key = lower(trim(replace(replace(replace(replace(replace(replace(old.name, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) || ' | ' || lower(trim(replace(replace(replace(replace(replace(replace(old.company, char(9), ' '), char(10), ' '), char(13), ' '), ' ', ' ' || char(1)), char(1) || ' ', ''), char(1), ''))) AND count = 0;
END;
