-- The loyalty ledger (API.md §2, customers' `points`): one row per change of a customer's
-- `loyalty_points`, written in the same transaction as the customer's new balance, so the
-- balance always equals the last entry's `balance_after`. The writer checks the balance before
-- it writes (409 when it would go below zero); the CHECKs hold the rules even against a bug.
CREATE TABLE loyalty_ledger (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    delta          INTEGER NOT NULL CHECK (delta <> 0),
    reason         TEXT    NOT NULL,
    balance_after  INTEGER NOT NULL CHECK (balance_after >= 0),
    key_id         INTEGER,                 -- the API key that wrote it
    created_at     TEXT    NOT NULL
);
-- A customer's entries newest first (`GET /v1/customers/{id}/points` walks it backwards from a
-- cursor's id).
CREATE INDEX loyalty_ledger_by_customer ON loyalty_ledger (customer_id, id);
