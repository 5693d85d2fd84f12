import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A server out of file descriptors stops asking for connections it cannot take until its next
/// sweep, instead of spinning: the listening socket stays readable while connections wait, and
/// each `accept` failed at once (one core busy; found by a black-box audit).
final class DescriptorExhaustionTests: XCTestCase {
    /// CPU time of a process so far, in clock ticks (`utime + stime` of `/proc/PID/stat`).
    private static func cpuTicks(_ pid: Int32) throws -> Int {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command, which is in parentheses and may hold spaces.
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    func testAServerOutOfDescriptorsDoesNotSpinAndAcceptsAgainOnceSomeAreFree() throws {
        let binary = try ServerProcess.binary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-fds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("crm.sqlite").path
        let server = try ServerProcess(
            binary: URL(fileURLWithPath: "/bin/sh"),
            arguments: [
                "-c", "ulimit -n 96 && exec \"$0\" serve --db \"$1\" --host 127.0.0.1 --port 0 --event-loops 1", binary.path, db,
            ])
        defer { server.kill9() }
        var clients: [RawClient] = []
        for _ in 0..<150 {
            guard let client = try? RawClient(port: server.port, receiveTimeout: 2) else { break }
            clients.append(client)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let pid = server.process.processIdentifier
        let before = try Self.cpuTicks(pid)
        Thread.sleep(forTimeInterval: 1)
        let used = try Self.cpuTicks(pid) - before
        XCTAssertLessThan(used, 30, "clock ticks in a second with connections it cannot take waiting (100 a second is a spin)")
        for client in clients { client.closeNow() }
        clients.removeAll()
        let answered = eventually(timeout: 5) {
            (try? RawClient(port: server.port, receiveTimeout: 2).request("GET", "/healthz").status) == 200
        }
        XCTAssertTrue(answered, "accepting again once descriptors are free")
    }
}
