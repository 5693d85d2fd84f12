-- SQLite's 0036: the search documents indexed before SearchFolding are folded at the first open
-- after this migration (SearchDocumentRefoldStore). unaccent (crm_search, 0027) folded most of those
-- letters here already; what it did not do on a database whose LC_CTYPE is C is lower the
-- capitals outside ASCII, so `αθηνα` did not find `Αθηνά`.
INSERT INTO pending_rebuilds (name) VALUES ('search_folding');
