import Crypto
import SQLite

/// Server-wide values kept in the database, created on first use.
public enum ServerSettings {
    /// The key that signs list cursors: 256 random bits made once per database, so cursors stay
    /// valid across restarts and cannot be forged.
    public static func cursorKey(_ connection: Connection) throws -> [UInt8] {
        if let row = try connection.queryOne("SELECT value FROM server_settings WHERE name = 'cursor_key'"), let key = row.blob(0) {
            return key
        }
        let key = SecureRandom.bytes(32)
        try connection.run("INSERT OR IGNORE INTO server_settings (name, value) VALUES ('cursor_key', ?)", [.blob(key)])
        return try connection.queryOne("SELECT value FROM server_settings WHERE name = 'cursor_key'")?.blob(0) ?? key
    }
}
