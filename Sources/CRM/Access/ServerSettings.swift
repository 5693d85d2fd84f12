import Crypto
import SQLite

/// Server-wide values kept in the database, created on first use.
public enum ServerSettings {
    /// The key that signs list cursors: 256 random bits made once per database, so cursors stay
    /// valid across restarts and cannot be forged.
    public static func cursorKey(_ connection: StoreConnection) throws -> [UInt8] {
        if let key = try ServerSettingsStore.value(connection, name: "cursor_key") { return key }
        let key = SecureRandom.bytes(32)
        try ServerSettingsStore.insertIfAbsent(connection, name: "cursor_key", value: key)
        return try ServerSettingsStore.value(connection, name: "cursor_key") ?? key
    }
}
