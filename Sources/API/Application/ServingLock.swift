import Foundation
import Synchronization

/// One `serve` per SQLite database: an exclusive `flock` on the database file, held while the
/// server runs and given back by ``release()`` after the database is closed.
///
/// A second server on the same file would work, each through its own writer, but neither would
/// hear of the other's commits: its long-polls of the change feed would sleep through them until
/// `wait` ran out, and its rate limits and caches would count half the traffic. The other
/// subcommands (`keys`, `backup`, …) take no such lock: they are meant to run beside the server.
///
/// `flock` and SQLite's own POSIX (`fcntl`) locks do not see each other on Linux. The descriptor
/// is closed only after every SQLite connection of the process is, because closing any
/// descriptor of a file drops the process's POSIX locks on it.
final class ServingLock: Sendable {
    /// -1 once released: a second ``release()`` must not close a number reused since.
    private let descriptor: Atomic<Int32>

    init(databasePath path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StartError("cannot open \(path) to lock it for serving: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            if reason == EWOULDBLOCK {
                throw StartError(
                    "another crm-server is already serving \(path); stop it first, or give this one its own --db")
            }
            throw StartError("cannot lock \(path) for serving: \(String(cString: strerror(reason)))")
        }
        self.descriptor = Atomic(descriptor)
    }

    func release() {
        let descriptor = descriptor.exchange(-1, ordering: .acquiringAndReleasing)
        if descriptor >= 0 { close(descriptor) }
    }
}
