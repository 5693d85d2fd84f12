import CLibPQ

/// LISTEN/NOTIFY: a message on a named channel to every session listening on it, delivered when
/// the sending transaction commits (the change feed's long-polls on other nodes wake on one).
///
///     try listener.listen("crm_changes")
///     try writer.notify("crm_changes", payload: "42")
///     if let notification = try listener.notification(waitingUntil: .now + .seconds(25)) { … }
///
/// A listening connection should stay outside transactions while it waits: notifications reach
/// a session only between its transactions.
extension Connection {
    /// Starts listening on `channel` (`LISTEN`); takes effect when the current transaction, if
    /// any, commits.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(Connection.quoteIdentifier(channel))")
        listeningChannels.insert(channel)
    }

    /// Stops listening on `channel`.
    public func unlisten(_ channel: String) throws {
        try execute("UNLISTEN \(Connection.quoteIdentifier(channel))")
        listeningChannels.remove(channel)
    }

    /// Stops listening on every channel.
    public func unlistenAll() throws {
        try execute("UNLISTEN *")
        listeningChannels.removeAll()
    }

    /// Sends `payload` to every session listening on `channel` (`pg_notify`, so both are bound
    /// values, never SQL); sent at the commit of the current transaction, if any. The payload
    /// must be under 8000 bytes.
    public func notify(_ channel: String, payload: String = "") throws {
        try run("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }

    /// The next notification: one already received (while waiting here, or during any earlier
    /// statement) or the first to arrive before `deadline`; nil when the deadline passes first.
    /// The thread sleeps on the connection's socket meanwhile (`poll`), never spinning.
    ///
    /// Throws an ``PostgresError/isUnavailable`` error if the connection breaks while waiting.
    public func notification(waitingUntil deadline: ContinuousClock.Instant) throws -> PostgresNotification? {
        let connection = try handle.open(for: nil)
        while true {
            if let notification = Connection.dequeueNotification(connection) { return notification }
            let socket = PQsocket(connection)
            guard socket >= 0 else { throw lost() }
            guard try SocketWait.wait(socket, until: .readable, deadline: deadline) else {
                return nil
            }
            // Reads what arrived; the notifications among it join libpq's queue.
            guard PQconsumeInput(connection) == 1 else { throw lost() }
        }
    }

    private func lost() -> PostgresError {
        let message = handle.pointer.map { ConnectionHandle.trimmed(PQerrorMessage($0)) } ?? ""
        return PostgresError(
            sqlState: PostgresError.connectionLost,
            message: "the connection broke while waiting for a notification: \(message)")
    }

    private static func dequeueNotification(_ connection: OpaquePointer) -> PostgresNotification? {
        guard let raw = PQnotifies(connection) else { return nil }
        defer { PQfreemem(raw) }
        return PostgresNotification(
            channel: String(cString: raw.pointee.relname),
            payload: raw.pointee.extra.map { String(cString: $0) } ?? "",
            senderProcessID: raw.pointee.be_pid)
    }
}
