-- The search documents a batch of writes changed, waiting for the batch's end: the group-commit
-- writer moves them into `customers_fts` in one go just before its COMMIT (a NULL document
-- removes the customer from the index). FTS5 writes its pending terms out as a new index segment
-- at every savepoint, and every job of a batch runs in one, so writing each customer's document
-- in its own job made a segment per customer. The table is empty between transactions.
CREATE TABLE customer_search_pending (
    customer_id INTEGER PRIMARY KEY,
    document    TEXT
);
