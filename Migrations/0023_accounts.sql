-- Accounts and contacts (API.md §2 "accounts and contacts"): a person may belong to a company
-- customer through `account_id`. A company's `metrics.account` rolls up its own and its live
-- contacts' order count, spend and open tickets, with the number of contacts; the write that
-- changes any of them (a contact's order, ticket, move or deletion) updates the company's
-- `account_*` columns in its own transaction, so reading the rollup is reading the row.

ALTER TABLE customers ADD COLUMN account_id INTEGER REFERENCES customers (id);
ALTER TABLE customers ADD COLUMN account_contacts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN account_order_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN account_total_spent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN account_open_tickets INTEGER NOT NULL DEFAULT 0;

-- A company's contacts (the contacts list, the rollup's sums, the `account_id` filter), in id
-- order for keyset paging. Persons without an account are most customers: left out.
CREATE INDEX customers_by_account ON customers (account_id, id) WHERE account_id IS NOT NULL;

-- No contacts exist yet: a company's rollup is its own metrics.
UPDATE customers SET account_order_count = order_count, account_total_spent = total_spent, account_open_tickets = open_tickets
WHERE type = 'company';
