public let migrationFiles = embeddedMigrations
