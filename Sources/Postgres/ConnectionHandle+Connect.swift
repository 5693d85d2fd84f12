import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ConnectionHandle {
    /// Opens a connection through libpq's non-blocking handshake (`PQconnectStartParams` and
    /// `PQconnectPoll`), sleeping on the socket between steps, so that the whole handshake
    /// (TCP, TLS, authentication, start-up) ends by `deadline` however the server behaves.
    ///
    /// The keywords before `dbname` are defaults the connection string may override: TCP
    /// keepalives and a user timeout, so that a server or network that goes silent mid-query is
    /// given up on after about a minute instead of blocking the thread for good (a unix socket
    /// ignores them). The keywords after it override what the connection string says: this layer
    /// reads and writes UTF-8 only.
    /// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PQCONNECTSTARTPARAMS
    static func connect(_ connectionString: String, deadline: ContinuousClock.Instant) throws -> ConnectionHandle {
        let parameters = [
            ("keepalives", "1"),
            ("keepalives_idle", "30"),
            ("keepalives_interval", "10"),
            ("keepalives_count", "3"),
            ("tcp_user_timeout", "60000"),
            ("dbname", connectionString),  // with expand_dbname: the whole URL or conninfo
            ("client_encoding", "UTF8"),
            ("fallback_application_name", "crm-server"),
        ]
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let started = PQconnectStartParams(
            keywords.map { UnsafePointer($0) } + [nil], values.map { UnsafePointer($0) } + [nil], 1)
        guard let started else {
            throw PostgresError(sqlState: PostgresError.cannotConnect, message: "libpq could not allocate a connection")
        }
        // Owned from here on: closed by the handle's deinit on every error path below.
        let handle = ConnectionHandle(pointer: started)

        // libpq's loop: before the first poll, wait as if told to write.
        // https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PQCONNECTSTARTPARAMS
        var state = PGRES_POLLING_WRITING
        if PQstatus(started) == CONNECTION_BAD { state = PGRES_POLLING_FAILED }
        while state != PGRES_POLLING_OK {
            let readiness: SocketWait.Readiness
            switch state {
            case PGRES_POLLING_READING: readiness = .readable
            case PGRES_POLLING_WRITING: readiness = .writable
            default:
                throw PostgresError(
                    sqlState: PostgresError.cannotConnect,
                    message: "cannot connect: \(ConnectionHandle.trimmed(PQerrorMessage(started)))")
            }
            let socket = PQsocket(started)
            guard socket >= 0, try SocketWait.wait(socket, until: readiness, deadline: deadline) else {
                throw PostgresError(sqlState: PostgresError.cannotConnect, message: "cannot connect: the connect timeout passed")
            }
            state = PQconnectPoll(started)
        }

        // NOTICEs (`there is no transaction in progress`, …) would go to stderr by default; the
        // caller learns everything it needs from results and errors.
        PQsetNoticeProcessor(started, { _, _ in }, nil)
        // What the text-format decoding relies on (PostgresValue+Wire.swift): bytea in hex, and
        // floats in their shortest exact form (any value above 0 from PostgreSQL 12 on; before
        // that, 3 still gives enough digits to read back the same double).
        try handle.execute("SET bytea_output = 'hex'; SET extra_float_digits = 3")
        return handle
    }
}
