-- Whether a customer has an open opportunity (its lifecycle stage `prospect`, API.md §3) is read on
-- every write to its activity. Keyed by the customer alone, the index made that a walk of every
-- opportunity the customer ever had until an open one: 2-3 ms for one with 20,000 closed ones.
-- Keyed by the customer and the closed flag, it is a seek; every lookup by customer alone is served
-- as before.
DROP INDEX opportunities_by_customer;
CREATE INDEX opportunities_by_customer ON opportunities (customer_id, is_closed);
