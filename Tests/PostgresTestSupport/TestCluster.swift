import Foundation
import Postgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster, started once per test run and shared by every test (each in a
/// database of its own, ``PostgresTestCase``).
///
/// It lives in a fresh temporary folder: data, log and the unix socket. It listens on that socket
/// and on 127.0.0.1 at a free port, never on another interface, and trusts every local connection
/// as the superuser `postgres`. Durability is off (`fsync`, `synchronous_commit`): nothing here
/// must survive a crash, and the tests that restart the server only need the server back.
///
/// initdb refuses to run as root, so as root (CI) every server command runs as `nobody`.
/// A watchdog process, in a session of its own so that a Ctrl-C to the tests does not reach it,
/// stops the cluster and removes the folder once the test process has exited, however it exits.
public final class TestCluster: Sendable {
    /// The cluster, or the reason it could not start: each test fails with that reason (the
    /// missing binaries are a failure, not a skip — CI installs PostgreSQL).
    public static let shared: Result<TestCluster, any Error> = Result { try TestCluster.start() }

    public let folder: String
    public let binaries: String
    public let port: Int
    private let databaseCounter = Counter()

    private var dataDirectory: String { folder + "/data" }

    private init(folder: String, binaries: String, port: Int) {
        self.folder = folder
        self.binaries = binaries
        self.port = port
    }

    // MARK: - Connecting

    /// The unix socket in the cluster's folder, as a URL (the socket's folder goes in `host`).
    public func configuration(database: String) -> ConnectionConfiguration {
        ConnectionConfiguration("postgres:///\(database)?host=\(folder)&port=\(port)&user=postgres")
    }

    /// TCP on 127.0.0.1, as a URL.
    public func tcpConfiguration(database: String) -> ConnectionConfiguration {
        ConnectionConfiguration("postgres://postgres@127.0.0.1:\(port)/\(database)")
    }

    /// A new, empty database with a name never used before in this run.
    public func createDatabase() throws -> String {
        let name = "crm_test_\(databaseCounter.next())"
        let administrator = try Connection(configuration(database: "postgres"))
        defer { administrator.close() }
        try administrator.execute("CREATE DATABASE \(name) TEMPLATE template0")
        return name
    }

    // MARK: - Stopping and starting

    /// Stops the server the way a crash or `kill -9` would (`pg_ctl -m immediate`): no session is
    /// told to finish, nothing is checkpointed.
    public func stopImmediately() throws {
        try TestCluster.runServerCommand(binaries + "/pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
    }

    /// Starts the server again (after ``stopImmediately()``: with crash recovery) and waits until
    /// it accepts connections.
    public func start() throws {
        try TestCluster.runServerCommand(
            binaries + "/pg_ctl", ["-D", dataDirectory, "-l", folder + "/server.log", "-w", "-t", "60", "start"])
    }

    // MARK: - Setting up

    private static func start() throws -> TestCluster {
        let binaries = try findBinaries()
        // Short: a unix socket's path (folder + "/.s.PGSQL.<port>") must fit in 107 bytes.
        let folder = "/tmp/crm-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        if geteuid() == 0 {
            guard chown(folder, serverUser.uid, serverUser.gid) == 0 else {
                throw ClusterError("cannot hand \(folder) to the server's user: \(String(cString: strerror(errno)))")
            }
        }
        try startWatchdog(folder: folder, binaries: binaries)
        try runServerCommand(
            binaries + "/initdb",
            [
                "-D", folder + "/data", "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C",
                "--no-sync", "--no-instructions",
            ])
        let port = try freePort()
        let settings = [
            "listen_addresses = '127.0.0.1'",
            "port = \(port)",
            "unix_socket_directories = '\(folder)'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            // The deadlock test waits this long for the server to notice.
            "deadlock_timeout = '50ms'",
            "shared_buffers = '32MB'",
            "max_connections = 60",
        ]
        let configuration = folder + "/data/postgresql.conf"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: configuration))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + settings.joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let cluster = TestCluster(folder: folder, binaries: binaries, port: port)
        try cluster.start()
        return cluster
    }

    /// initdb, pg_ctl and postgres from `pg_config --bindir` (Debian's libpq-dev names the
    /// server's folder there), or the newest /usr/lib/postgresql/*/bin, or PATH.
    private static func findBinaries() throws -> String {
        var candidates: [String] = []
        if let bindir = try? Command.run(["/usr/bin/env", "pg_config", "--bindir"]) {
            candidates.append(bindir.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
            .map { "/usr/lib/postgresql/\($0)/bin" }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let needed = ["initdb", "pg_ctl", "postgres"]
        if let found = candidates.first(where: { folder in
            needed.allSatisfy { FileManager.default.isExecutableFile(atPath: folder + "/" + $0) }
        }) {
            return found
        }
        throw ClusterError(
            """
            The PostgreSQL tests need PostgreSQL's server programs (initdb, pg_ctl, postgres) and found none \
            (looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH). Install them: \
            `apt-get install -y postgresql libpq-dev` on Debian/Ubuntu (.ci/run does), `brew install postgresql@15` on macOS.
            """)
    }

    /// A port on 127.0.0.1 that was free a moment ago: the kernel's choice for port 0.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClusterError("socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
            }
        }
        guard bound else { throw ClusterError("bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Stops the cluster and removes its folder once this process is gone.
    private static func startWatchdog(folder: String, binaries: String) throws {
        let stop = serverCommandPrefix.map { "'\($0)'" }.joined(separator: " ")
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(stop) '\(binaries)/pg_ctl' -D '\(folder)/data' -m immediate -w stop
            rm -rf '\(folder)'
            """
        try Command.startDetached(["/bin/sh", "-c", script])
    }

    // MARK: - Processes

    private static let serverUser: (uid: uid_t, gid: gid_t) = {
        guard let entry = getpwnam("nobody") else { return (65534, 65534) }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }()

    /// What runs a server command as the unprivileged user when this process is root.
    private static var serverCommandPrefix: [String] {
        geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "nobody", "--"] : []
    }

    private static func runServerCommand(_ executable: String, _ arguments: [String]) throws {
        try Command.run(serverCommandPrefix + [executable] + arguments)
    }
}

public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A number that goes up by one per call, from any thread.
public final class Counter: Sendable {
    public init() {}

    private let value = Mutex(0)

    public func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
