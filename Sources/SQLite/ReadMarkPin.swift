/// A read transaction the writer thread holds on the newest snapshot while it has no work, so
/// that readers starting on that snapshot take and drop their WAL read lock without a system
/// call.
///
/// A WAL reader locks the read mark (a slot of the `-shm` file) its snapshot uses, in shared
/// mode, for as long as its transaction lasts. SQLite's unix VFS asks the kernel for that lock
/// (`fcntl`) only when no other connection of the process holds it already, and gives it back
/// only when the last one lets go; otherwise both are bookkeeping under a mutex. A reader starting
/// on the newest snapshot uses the slot whose mark is the end of the log, which is the one this
/// connection holds. Without it a request paid two `fcntl` calls for its read transaction,
/// 8 % of the server's time for `GET /v1/customers/{id}` (perf) and 15-20 % of its throughput
/// once removed (docs/architecture.md, "Hot read path").
///
/// It is released before every batch and closed before every exclusive job, and taken again
/// after, never held while the writer writes or checkpoints: held on mark 0 (the log wholly
/// copied into the file) it would block a checkpoint's copy, and held on any other mark it would
/// keep the log from starting over at its beginning, which needs no reader on those marks, so the
/// log would only grow. Closed, its connection does not keep an exclusive job (the seed's switch
/// out of WAL mode) from having the file to itself. Between batches nothing writes here, and a
/// checkpoint by another process (an operator's `sqlite3`, which `crm-server` never needs) waits
/// for the writer's next batch or refresh as it would for any reader.
///
/// Writes by another process (`crm-server keys`, a script) are the exception: a checkpoint they
/// run copies the log only up to the pinned mark, and the log cannot start over, so while this
/// writer idled 450 `keys create` grew it from 4 to 15 MB (a helper's audit). So an idle writer
/// refreshes the pin every ``refreshInterval``: when nothing else wrote since it was taken, it
/// moves to the newest snapshot; when something did, it stays released for an interval, and those
/// writers checkpoint and start the log over as they would without it.
///
///     let pin = ReadMarkPin(file: DatabaseFile(path: path), configuration: configuration)
///     pin.release(); runBatch(); pin.hold()
final class ReadMarkPin {
    /// How long the writer waits for work before it refreshes the pin.
    static let refreshInterval = Duration.seconds(1)

    /// The writer's file; nil for an in-memory database, where there is nothing to hold.
    private let file: DatabaseFile?
    private let configuration: ConnectionConfiguration
    /// Open from the first ``hold()`` to the next ``close()``.
    private var connection: Connection?
    /// `PRAGMA data_version` when the pin was last taken or refreshed: it changes with every
    /// commit of another connection (this writer's included, hence read only while it idles).
    private var dataVersion: Int64?

    init(file: DatabaseFile?, configuration: ConnectionConfiguration) {
        self.file = file
        self.configuration = configuration
    }

    /// Starts a read transaction on the newest snapshot, opening the connection if it is closed.
    /// A deferred `BEGIN` takes no lock until the first read, which is the `data_version` the
    /// refresh compares with. A failure leaves it released: it only saves readers work.
    func hold() {
        if connection == nil, let file {
            connection = try? Connection(path: file.path, readOnly: true, configuration: configuration)
        }
        guard let connection, !connection.isInTransaction else { return }
        do {
            try connection.execute("BEGIN")
            dataVersion = try connection.withFirstRow("PRAGMA data_version") { $0.int64(at: 0) } ?? nil
        } catch {
            connection.rollbackIfNeeded()
        }
    }

    /// For a writer that has had no work for ``refreshInterval``: takes the pin again on the
    /// newest snapshot, unless another process committed since it was last taken, in which case
    /// it stays released until the next refresh or batch.
    func refresh() {
        guard let connection else { return hold() }
        release()
        let now = try? connection.withFirstRow("PRAGMA data_version") { $0.int64(at: 0) } ?? nil
        if let now, let taken = dataVersion, now != taken {
            dataVersion = now
            return
        }
        hold()
    }

    /// Ends the read transaction, if one is held.
    func release() {
        guard let connection, connection.isInTransaction else { return }
        connection.rollbackIfNeeded()
    }

    /// Ends the read transaction and closes the connection.
    func close() {
        release()
        connection?.close()
        connection = nil
    }
}
