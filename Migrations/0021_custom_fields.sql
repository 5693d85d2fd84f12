-- Definitions of customers' custom `attributes` (API.md §2 "fields"): what frontends read to render
-- forms and what every customer write is checked against. A key is unique among live
-- definitions and never changes; defining or changing one never rewrites stored customers.
CREATE TABLE custom_fields (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    type        TEXT    NOT NULL CHECK (type IN ('string', 'number', 'integer', 'bool', 'date', 'enum')),
    options     TEXT    NOT NULL DEFAULT '[]',   -- JSON array of the enum's values
    required    INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX custom_fields_key_live ON custom_fields (key) WHERE deleted_at IS NULL;
