-- SQLite's 0031: the paused tickets by their resolution due time, for the tickets report.
CREATE INDEX tickets_paused_by_resolution_due ON tickets (resolution_due_at) WHERE paused_since IS NOT NULL;
