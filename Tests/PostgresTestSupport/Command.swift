import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program through `posix_spawn` and `waitpid`, not `Foundation.Process`: on Linux, Process
/// learns of a child's exit from a socket the child inherits, and `pg_ctl start` hands that socket
/// on to the server it leaves running, so `waitUntilExit()` would wait as long as the server lives
/// (swiftlang/swift-corelibs-foundation#4795). Here no descriptor past stderr is inherited.
public enum Command {
    /// Runs `arguments` (an absolute program path first) to its end and returns what it printed
    /// (stdout and stderr); throws with that text when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("crm-pg-command-\(UUID().uuidString)").path
        defer { unlink(log) }
        let process = try spawn(arguments, output: log, newSession: false)
        var status: Int32 = 0
        while waitpid(process, &status, 0) < 0 {
            guard errno == EINTR else { throw ClusterError("waitpid: \(String(cString: strerror(errno)))") }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS are macros Swift does not import: exited normally when the low
        // seven bits are 0, with the code in the next byte.
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        guard exitCode == 0 else {
            throw ClusterError("\(arguments.joined(separator: " ")) failed (wait status \(status)): \(text)")
        }
        return text
    }

    /// Starts `arguments` in a session of its own (out of reach of a terminal's Ctrl-C to this
    /// process group) and does not wait for it.
    public static func startDetached(_ arguments: [String]) throws {
        _ = try spawn(arguments, output: "/dev/null", newSession: true)
    }

    /// `POSIX_SPAWN_SETSID` (glibc 2.26), a GNU macro Swift's Glibc module leaves out.
    private static let spawnSetSID: Int16 = 0x80

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34), which Swift's Glibc module leaves out;
    /// looked up at run time, and without it descriptors are inherited as before.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    private static func spawn(_ arguments: [String], output: String, newSession: Bool) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The server pg_ctl leaves running must not hold this process's descriptors (the test
        // runner's pipes among them) open past its exit.
        _ = closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newSession {
            posix_spawnattr_setflags(&attributes, spawnSetSID)
        }

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var process: pid_t = 0
        let error = posix_spawn(&process, arguments[0], &actions, &attributes, argv, environ)
        guard error == 0 else {
            throw ClusterError("cannot start \(arguments[0]): \(String(cString: strerror(error)))")
        }
        return process
    }
}
