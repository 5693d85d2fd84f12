-- Live feedback (`GET /v1/analytics/feedback`) counted per day of creation (`YYYY-MM-DD`, UTC),
-- kind and score: the report's window is whole days and its numbers are sums over scores, so it
-- reads about one row per day, kind and score instead of every answer. Kept in the transaction
-- of every feedback write. A missing score is -1 here (scores are never negative), because a
-- key treats NULLs as distinct.

CREATE TABLE feedback_rollup (
    created_on TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    score      INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (created_on, kind, score)
) WITHOUT ROWID;

INSERT INTO feedback_rollup
SELECT substr(created_at, 1, 10), kind, coalesce(score, -1), count(*)
FROM feedback WHERE deleted_at IS NULL
GROUP BY 1, 2, 3;

CREATE TRIGGER feedback_rollup_insert AFTER INSERT ON feedback WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO feedback_rollup VALUES (substr(new.created_at, 1, 10), new.kind, coalesce(new.score, -1), 1)
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER feedback_rollup_update AFTER UPDATE OF created_at, kind, score, deleted_at ON feedback
WHEN old.created_at IS NOT new.created_at OR old.kind IS NOT new.kind OR old.score IS NOT new.score
    OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL)
BEGIN
    UPDATE feedback_rollup SET count = count - 1
    WHERE old.deleted_at IS NULL
      AND created_on = substr(old.created_at, 1, 10) AND kind = old.kind AND score = coalesce(old.score, -1);
    INSERT INTO feedback_rollup SELECT substr(new.created_at, 1, 10), new.kind, coalesce(new.score, -1), 1
    WHERE new.deleted_at IS NULL
    ON CONFLICT DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER feedback_rollup_delete AFTER DELETE ON feedback WHEN old.deleted_at IS NULL BEGIN
    UPDATE feedback_rollup SET count = count - 1
    WHERE created_on = substr(old.created_at, 1, 10) AND kind = old.kind AND score = coalesce(old.score, -1);
END;
