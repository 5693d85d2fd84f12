-- The sales funnel (`GET /v1/analytics/funnel`) per pipeline, day of creation and stage: what the
-- live opportunities created that day contribute to each stage (entered it, went on to a later
-- stage, are won now, stand in it now, and their completed stays in it). Kept in the transaction
-- of every opportunity write, so the report sums a few rows per day of its window instead of
-- walking every opportunity's stage history. Days are `YYYY-MM-DD` (UTC).

CREATE TABLE funnel_rollup (
    pipeline_id  INTEGER NOT NULL,
    created_on   TEXT    NOT NULL,
    stage        TEXT    NOT NULL,
    entered      INTEGER NOT NULL,
    converted    INTEGER NOT NULL,
    won          INTEGER NOT NULL,
    current      INTEGER NOT NULL,
    stay_ms      INTEGER NOT NULL,
    stays        INTEGER NOT NULL,
    PRIMARY KEY (pipeline_id, created_on, stage)
) WITHOUT ROWID;

-- Derived tables whose rows are computed in Swift rather than in a migration's SQL: the server
-- builds each named here when it opens the database, and removes the name in the same
-- transaction.
CREATE TABLE pending_rebuilds (name TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO pending_rebuilds (name) VALUES ('funnel_rollup');
