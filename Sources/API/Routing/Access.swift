import CRM
import HTTP

/// Who may call an endpoint.
enum Access: Sendable {
    /// No key needed (health, metrics, the OpenAPI document).
    case open
    case read(Resource)
    case write(Resource)

    func permits(_ role: Role) -> Bool {
        switch self {
        case .open: true
        case .read(let resource): role.mayRead(resource)
        case .write(let resource): role.mayWrite(resource)
        }
    }
}

/// Where a handler runs (DESIGN.md, "Server model").
enum Placement: Sendable {
    /// On the event loop: short reads served by an index, microseconds.
    case inline
    /// On a worker thread: anything that may take long (analytics, exports, search, long polls).
    case worker
    /// On a worker when the request asks for something slow (e.g. a list with full-text `q`).
    case workerWhen(@Sendable (Request) -> Bool)
}
