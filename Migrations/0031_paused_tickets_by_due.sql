-- The tickets a pause stopped (`pending`, `on_hold`: paused_since is set) by their resolution due
-- time: the tickets report leaves out those stopped before they fell due (their due time moves
-- when the pause ends, and they count then), reading them row by row. Paused tickets are few
-- beside all tickets, so the index is small; without it the report read every ticket of its
-- window.
CREATE INDEX tickets_paused_by_resolution_due ON tickets (resolution_due_at) WHERE paused_since IS NOT NULL;
