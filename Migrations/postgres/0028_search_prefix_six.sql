-- SQLite's 0028 rebuilds its full-text index with five- and six-character prefix indexes. Here
-- `q` is a tsquery over the document's terms (`crm_search`), whose prefix match (`smith:*`) the
-- GIN index answers without such a setting, so the schema is unchanged: this version exists so
-- that version 28 is the same schema on either engine.
SELECT 1;
