-- The platform: API keys (stored only as SHA-256 hashes) and idempotency records.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'sales', 'support', 'marketing', 'viewer')),
    secret_hash BLOB    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    revoked_at  TEXT
);

-- Server-wide secrets and settings, e.g. the key that signs list cursors (so cursors survive restarts).
CREATE TABLE server_settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
