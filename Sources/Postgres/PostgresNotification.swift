/// One `NOTIFY` received on a channel this connection listens on.
///
/// https://www.postgresql.org/docs/current/sql-notify.html
public struct PostgresNotification: Sendable, Hashable {
    public let channel: String
    /// The text given to NOTIFY; empty when none was.
    public let payload: String
    /// The server process that sent it (compare ``Connection/backendProcessID`` to skip one's own).
    public let senderProcessID: Int32

    public init(channel: String, payload: String, senderProcessID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderProcessID = senderProcessID
    }
}
