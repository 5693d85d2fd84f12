-- Every live custom field (0021) has an expression index over its attribute, created with the
-- definition and dropped with it (AttributeIndexStore): `attributes.<key>` filters and rule leaves
-- are served by it. SQL cannot create an index whose name and expression come from rows, so the
-- server builds those of the fields defined before this migration at its next open.
INSERT INTO pending_rebuilds (name) VALUES ('attribute_indexes');
