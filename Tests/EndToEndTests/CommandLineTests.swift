import Foundation
import XCTest

/// The real `crm-server` binary beside the test bundle: `keys create` against the database of a
/// running server, then a call with the printed key; `migrate`; `backup`; `--help`.
final class CommandLineTests: XCTestCase {
    private func binary() throws -> URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = testBinary.deletingLastPathComponent()
        // The test bundle may be `…/debug/X.xctest` (a file on Linux) or nested deeper.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("crm-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw XCTSkip("crm-server binary not found next to the tests")
    }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    func testKeysCreatePrintsOnlyTheSecretAndARunningServerHonoursIt() throws {
        let server = try TestServer()
        defer { server.stop() }
        let db = server.application.configuration.db
        let created = try run(["keys", "create", "--role", "support", "--name", "helpdesk", "--db", db])
        XCTAssertEqual(created.status, 0, created.err)
        let secret = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(secret.contains("\n"))
        XCTAssertTrue(secret.hasPrefix("crm_"))
        let client = try server.client()
        XCTAssertEqual(try client.request("GET", "/v1/customers", headers: [("Authorization", "Bearer \(secret)")]).status, 200)
        XCTAssertEqual(try client.request("GET", "/v1/api-keys", headers: [("Authorization", "Bearer \(secret)")]).status, 403)

        let listed = try run(["keys", "list"], environment: ["CRM_DB": db])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.contains("helpdesk"))
        XCTAssertFalse(listed.out.contains(secret))
        let id = try XCTUnwrap(listed.out.split(separator: "\n").first { $0.hasSuffix("helpdesk") }?.split(separator: "\t").first)

        let revoked = try run(["keys", "revoke", String(id), "--db", db])
        XCTAssertEqual(revoked.status, 0, revoked.err)
        XCTAssertEqual(try client.request("GET", "/v1/customers", headers: [("Authorization", "Bearer \(secret)")]).status, 401)
    }

    func testMigrateAndBackupProduceAConsistentCopy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("crm.sqlite").path
        XCTAssertEqual(try run(["migrate", "--db", db]).status, 0)
        XCTAssertEqual(try run(["seed", "--customers", "50", "--db", db]).status, 0)
        let copy = directory.appendingPathComponent("copy.sqlite").path
        let backup = try run(["backup", copy, "--db", db])
        XCTAssertEqual(backup.status, 0, backup.err)
        let check = try run(["keys", "list", "--db", copy])
        XCTAssertEqual(check.status, 0, check.err)
        // A mistyped --db is an error, not an empty database made and backed up.
        let missing = directory.appendingPathComponent("typo.sqlite").path
        let refused = try run(["backup", directory.appendingPathComponent("copy2.sqlite").path, "--db", missing])
        XCTAssertEqual(refused.status, 1, refused.out)
        XCTAssertTrue(refused.err.contains("no database at"), refused.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing), "nothing created")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("copy2.sqlite").path))
    }

    func testHelpAndBadOptions() throws {
        let help = try run(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.out.contains("--db"))
        XCTAssertTrue(help.out.contains("CRM_DB"))
        let bad = try run(["serve", "--port", "notaport"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.err.contains("--port"))
    }

    func testEveryLogLineOfARunFromStartToStopCarriesATimestamp() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = try binary()
        process.arguments = ["serve", "--port", "0", "--host", "127.0.0.1", "--db", directory.appendingPathComponent("crm.sqlite").path]
        process.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        process.standardError = err
        let collected = CollectedOutput()
        err.fileHandleForReading.readabilityHandler = { collected.append($0.availableData) }
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let deadline = Date().addingTimeInterval(30)
        while !collected.text.contains("\"listening\""), process.isRunning, Date() < deadline { usleep(20_000) }
        let listening = try XCTUnwrap(collected.text.split(separator: "\n").first { $0.contains("\"listening\"") }, collected.text)
        let started = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
        let address = try XCTUnwrap(started["address"] as? String)
        let port = try XCTUnwrap(address.split(separator: ":").last.flatMap { Int($0) }, address)
        let client = try RawClient(port: port)
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)

        process.terminate()
        process.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        collected.append(err.fileHandleForReading.readDataToEndOfFile())
        XCTAssertEqual(process.terminationStatus, 0)

        let timestamp = try NSRegularExpression(pattern: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#)
        var messages: [String] = []
        var routes: [String] = []
        for line in collected.text.split(separator: "\n") {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            let ts = try XCTUnwrap(object["ts"] as? String, "no ts: \(line)")
            XCTAssertEqual(timestamp.numberOfMatches(in: ts, range: NSRange(ts.startIndex..., in: ts)), 1, String(line))
            XCTAssertTrue(line.hasPrefix("{\"ts\":"), "ts comes first: \(line)")
            if let message = object["message"] as? String { messages.append(message) }
            if let route = object["route"] as? String { routes.append(route) }
        }
        XCTAssertEqual(messages, ["listening", "shutting down", "stopped"], collected.text)
        XCTAssertEqual(routes, ["/healthz"], collected.text)
    }

    func testAMistypedFlagPrintsOneErrorAndOneHint() throws {
        let mistyped = try run(["--prot", "1"])
        XCTAssertEqual(mistyped.status, 2)
        XCTAssertEqual(mistyped.out, "")
        XCTAssertEqual(
            mistyped.err.split(separator: "\n").map(String.init),
            [#"crm-server: serve: unknown option "--prot""#, "Run 'crm-server serve --help' for usage."])
    }

    func testAServerThatCannotStartSaysSoInOneJSONLogLineAndExits1() throws {
        let failed = try run(["serve", "--db", "/nonexistent-directory/crm.sqlite", "--port", "0"])
        XCTAssertEqual(failed.status, 1)
        let line = try XCTUnwrap(failed.err.split(separator: "\n").last)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["level"] as? String, "error")
        XCTAssertEqual(object["message"] as? String, "cannot start")
        XCTAssertNotNil(object["ts"] as? String)
        XCTAssertTrue((object["error"] as? String ?? "").contains("unable to open database file"))
    }
}

/// Bytes a pipe's readability handler delivers on its own thread, read by the test as text.
private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    func append(_ more: Data) {
        lock.lock()
        data.append(more)
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

}
