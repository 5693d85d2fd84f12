import API
import CRM
import Foundation

/// Subcommands that open the database, do one thing and exit. They may run beside a live server:
/// SQLite's locking serialises them with its writer.
enum KeyCommands {
    static func withDatabase(_ configuration: Configuration, _ body: (Database) throws -> Void) {
        do {
            let database = try configuration.openDatabase(maximumReaders: 1)
            defer { database.close() }
            try body(database)
        } catch {
            fail("\(error)")
        }
    }
}
