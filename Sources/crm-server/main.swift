import API
import CRM
import Dispatch
import Foundation

// crm-server: command line, configuration, wiring, signals (DESIGN.md).

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("crm-server: \(message)\n".utf8))
    exit(code)
}

let command: Command
let configuration: Configuration
do {
    (command, configuration) = try CommandLineParser.parse(
        arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
} catch let error as ConfigurationError {
    fail("\(error)\n\(error.usageHint)", code: 2)
} catch {
    fail("\(error)\nRun 'crm-server --help' for usage.", code: 2)
}

// Two commands work on a SQLite file only: PostgreSQL has pg_dump for backups, and the bulk seeder
// writes SQLite's file directly.
if configuration.databaseEngine == .postgres {
    switch command {
    case .backup: fail(PostgresCommands.backupRefusal)
    case .seed: fail(PostgresCommands.seedRefusal)
    default: break
    }
} else if case .copyDatabase = command {
    fail("copy-db copies into PostgreSQL: give the target as --db postgres://… (or CRM_DB)", code: 2)
} else if case .backup = command, !FileManager.default.fileExists(atPath: configuration.db) {
    // Opening would create (and migrate) an empty database there and back that up: a mistyped
    // --db must not pass for a backup.
    fail("no database at \(configuration.db): nothing to back up (give the live database's file as --db or CRM_DB)")
}

switch command {
case .help(let text):
    print(text)

case .serve:
    Serve.run(configuration)

case .migrate where configuration.databaseEngine == .postgres:
    PostgresCommands.migrate(configuration.db)

case .migrate:
    do {
        let database = try Database.open(path: configuration.db, synchronous: configuration.sync == .normal ? .normal : .full)
        database.close()
        print("database \(configuration.db) is migrated")
    } catch {
        fail("migrate: \(error)")
    }

case .keysCreate(let roleName, let name):
    guard let role = Role(rawValue: roleName) else { fail("unknown role \(roleName)", code: 2) }
    KeyCommands.withDatabase(configuration) { database in
        let issued = try database.writeAndWait { try APIKeyService().create($0, name: name, role: role) }
        print(issued.secret)
    }

case .keysList:
    KeyCommands.withDatabase(configuration) { database in
        let keys = try database.read { try APIKeyService().list($0, includeRevoked: true, limit: Int.max) }
        print("id\trole\tcreated_at\trevoked_at\tname")
        for key in keys {
            print("\(key.id)\t\(key.role.rawValue)\t\(key.createdAt.rfc3339)\t\(key.revokedAt?.rfc3339 ?? "-")\t\(key.name)")
        }
    }

case .keysRevoke(let id):
    KeyCommands.withDatabase(configuration) { database in
        let revoked = try database.writeAndWait { try APIKeyService().revoke($0, id: Int64(id)) }
        guard revoked else { fail("no live key with id \(id)") }
        print("revoked key \(id)")
    }

case .backup(let path):
    KeyCommands.withDatabase(configuration) { database in
        try database.backup(to: path)
        print("backed up \(configuration.db) to \(path)")
    }

case .copyDatabase(let path):
    PostgresCommands.copy(from: path, to: configuration.db)

case .seed(let customers):
    KeyCommands.withDatabase(configuration) { database in
        let started = Date()
        let settings = CRMSettings(
            baseCurrency: configuration.baseCurrency, atRiskDays: configuration.atRiskDays, churnDays: configuration.churnDays)
        guard let writer = database.writer else { fail(PostgresCommands.seedRefusal) }
        let written = try CustomerSeeder().seed(writer, count: customers, settings: settings)
        print("seeded \(written) customers in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
