import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `crm-server serve` in a child process: the real binary, for tests that kill it with SIGKILL.
final class ServerProcess {
    let process = Process()
    let port: Int
    /// The key printed on a fresh database.
    let bootstrapKey: String?
    private let output = Locked("")

    init(binary: URL, arguments: [String]) throws {
        let process = process
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let output = output
        for pipe in [out, err] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                output.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        try process.run()
        var listening: Substring?
        _ = eventually(timeout: 30) {
            listening = output.current.split(separator: "\n").first { $0.contains("\"listening\"") }
            return listening != nil || !process.isRunning
        }
        guard let line = listening,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let port = (object["address"] as? String)?.split(separator: ":").last.flatMap({ Int($0) })
        else {
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            throw RawClient.ClientError("the server did not start: \(output.current)")
        }
        self.port = port
        // The key is written to stdout before the server starts listening.
        var key: String?
        _ = eventually(timeout: 0.5) {
            let lines = output.current.split(separator: "\n")
            if let index = lines.firstIndex(where: { $0.hasPrefix("No API key existed") }), index + 1 < lines.count {
                key = String(lines[index + 1]).trimmingCharacters(in: .whitespaces)
            }
            return key != nil
        }
        bootstrapKey = key
    }

    var log: String { output.current }

    func kill9() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// The `crm-server` built beside the tests; skips the test when there is none.
    static func binary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle is `…/debug/X.xctest` (a file on Linux) or nested deeper; the binary
        // is in the same products directory.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("crm-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw XCTSkip("crm-server binary not found next to the tests")
    }
}
