-- Search folds the letters SQLite's tokenizer keeps but PostgreSQL's unaccent folds (ø, ł, đ, þ,
-- æ, ß, ligatures, full-width Latin, accented Greek, ё) and lowers capitals outside ASCII, in the
-- documents and the queries alike (SearchFolding). The documents indexed before are folded at the first open after this migration
-- (SearchDocumentRefoldStore), in the transaction that removes this entry: it needs Swift, not SQL.
INSERT INTO pending_rebuilds (name) VALUES ('search_folding');
