-- Segments (API.md §2, "segments"): saved customer filters as rule trees. Members are found by
-- running the tree's compiled SQL over customers, so membership always follows the customers.
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT,
    rules       TEXT    NOT NULL,            -- the rule tree as JSON, checked on every write
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX segments_by_name ON segments (name, id);
