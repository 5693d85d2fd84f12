import Foundation
import Postgres
import Synchronization
import XCTest

/// A test on the shared ``TestCluster``, in a database of its own, created empty before the test,
/// so tests neither see nor disturb each other's data.
open class PostgresTestCase: XCTestCase {
    public private(set) var cluster: TestCluster!
    public private(set) var database: String!
    /// Connections ``connect()`` opened, closed after the test.
    private var connections: [Connection] = []

    override open func setUpWithError() throws {
        cluster = try TestCluster.shared.get()
        database = try cluster.createDatabase()
    }

    /// The database is left in place: the cluster goes, databases and all, when the run ends, and
    /// dropping each one (a checkpoint each) would double the suite's time.
    override open func tearDown() {
        for connection in connections { connection.close() }
        connections = []
    }

    /// The test database over the unix socket.
    public var configuration: ConnectionConfiguration { cluster.configuration(database: database) }

    /// A new connection to the test database.
    public func connect() throws -> Connection {
        let connection = try Connection(configuration)
        connections.append(connection)
        return connection
    }

    /// Runs `body` on a thread of its own with a connection of its own (connections never cross
    /// threads), and returns at once; `wait()` on the result joins it and returns what `body`
    /// returned or threw.
    public func onAnotherConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) -> Joinable<T> {
        let joinable = Joinable<T>()
        let configuration = self.configuration
        let thread = Thread {
            joinable.finish(Result { try body(try Connection(configuration)) })
        }
        thread.start()
        return joinable
    }
}

/// The outcome of work on another thread, waited for with a timeout so a hung test fails instead
/// of hanging the run.
public final class Joinable<T: Sendable>: Sendable {
    public init() {}

    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<T, any Error>?>(nil)

    public func finish(_ outcome: Result<T, any Error>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    public func wait(timeout: DispatchTimeInterval = .seconds(10)) throws -> T {
        guard done.wait(timeout: .now() + timeout) == .success else { throw ClusterError("the other thread did not finish in time") }
        return try result.withLock { $0! }.get()
    }
}
