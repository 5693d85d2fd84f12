-- A counter bumped by every change to api_keys (triggers, so the CLI's changes count too). The
-- server caches verified keys with the counter's value and re-verifies when it moves, so a
-- revocation takes effect on the very next request without a database lookup per request.
CREATE TABLE api_key_epoch (
    epoch INTEGER NOT NULL
);
INSERT INTO api_key_epoch (epoch) VALUES (0);

CREATE TRIGGER api_keys_epoch_insert AFTER INSERT ON api_keys BEGIN
    UPDATE api_key_epoch SET epoch = epoch + 1;
END;
CREATE TRIGGER api_keys_epoch_update AFTER UPDATE ON api_keys BEGIN
    UPDATE api_key_epoch SET epoch = epoch + 1;
END;
CREATE TRIGGER api_keys_epoch_delete AFTER DELETE ON api_keys BEGIN
    UPDATE api_key_epoch SET epoch = epoch + 1;
END;
