-- The lifecycle and tier indexes of 0002 are prefixes of the rankings of 0007, which serve every
-- query they served; dropping them saves two index updates on every customer write.
DROP INDEX customers_by_lifecycle;
DROP INDEX customers_by_tier;
