-- Idempotency replays of POST /v1/api-keys once stored the whole 201 response, secret included.
-- A secret is shown once and stored only as a hash, so each such record keeps only the marker
-- that replays now answer with 409 (status 409, no headers, no body): a retry still creates no
-- second key, and the secret is gone. secure_delete zeroes the bytes the rows leave behind, so
-- the old secrets do not linger in free space of the file either.
PRAGMA secure_delete = ON;
UPDATE idempotency_keys SET status = 409, headers = '[]', body = X''
WHERE CAST(body AS TEXT) LIKE '%"secret":"crm\_%' ESCAPE '\';
PRAGMA secure_delete = OFF;
