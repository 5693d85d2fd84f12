import SQLite

/// The `server_settings` table: named server-wide values.
enum ServerSettingsStore {
    static func value(_ connection: StoreConnection, name: String) throws -> [UInt8]? {
        try connection.queryOne("SELECT value FROM server_settings WHERE name = ?", [.text(name)])?.blob(0)
    }

    /// Stores `value` under `name` unless a value is there already.
    static func insertIfAbsent(_ connection: StoreConnection, name: String, value: [UInt8]) throws {
        try connection.run("INSERT INTO server_settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING", [.text(name), .blob(value)])
    }
}
