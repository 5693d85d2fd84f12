import API
import CRM
import Foundation

/// A real server on an ephemeral 127.0.0.1 port over its own temporary database.
final class TestServer: Sendable {
    let application: Application
    let directory: URL
    let adminKey: String

    var port: Int { application.port }

    /// With `joining`, a second node on that server's database (PostgreSQL): same key file, and
    /// that server's admin key, as the database has it already. `adminKey` names the admin key of
    /// a database `configure` points at that already has one.
    init(
        clock: CRMClock = CRMClock(), eventLoops: Int = 2, joining other: TestServer? = nil, adminKey known: String? = nil,
        configure: (inout Configuration) -> Void = { _ in }
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.db = try TestDatabase.url(sqliteFolder: directory)
        configuration.secretKeyFile = directory.appendingPathComponent("crm.key").path
        configuration.port = 0
        configuration.workers = eventLoops
        if let other {
            configuration.db = other.application.configuration.db
            configuration.secretKeyFile = other.application.configuration.secretKeyFile
        }
        configure(&configuration)
        application = try Application(configuration: configuration, clock: clock, accessLog: false)
        if let key = known ?? other?.adminKey {
            adminKey = key
        } else {
            guard let key = application.bootstrapKey else { throw RawClient.ClientError("no bootstrap key on a fresh database") }
            adminKey = key.secret
        }
        application.start()
    }

    func client(timeout: TimeInterval = 5) throws -> RawClient {
        try RawClient(port: port, receiveTimeout: timeout)
    }

    /// Creates a key with `role` through the API and returns its secret.
    func key(role: String) throws -> String {
        let reply = try client().request(
            "POST", "/v1/api-keys", headers: [("Authorization", "Bearer \(adminKey)")],
            body: "{\"name\":\"\(role) key\",\"role\":\"\(role)\"}")
        guard reply.status == 201, let secret = try reply.json()["secret"] as? String else {
            throw RawClient.ClientError("could not create a \(role) key: \(reply.status) \(reply.text)")
        }
        return secret
    }

    func stop() {
        application.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit {}
}
