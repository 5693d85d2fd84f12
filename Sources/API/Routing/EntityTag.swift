import HTTP

/// Versions as entity tags (API.md §1, "Concurrency"): `ETag: "<version>"`, `If-None-Match`
/// answering `304`, and `If-Match` for writes (`412` on mismatch, RFC 9110 §13.1).
enum EntityTag {
    static func header(_ version: Int64) -> (name: String, value: String) {
        ("ETag", "\"\(version)\"")
    }

    /// True when `If-None-Match` names the current version (or `*`).
    static func noneMatchHits(_ request: Request, version: Int64) -> Bool {
        guard let header = request.headers["If-None-Match"] else { return false }
        return header.split(separator: ",").contains { tag in
            let trimmed = tag.trimmingSpacesLowercased()
            let bare = trimmed.hasPrefix("w/") ? String(trimmed.dropFirst(2)) : trimmed
            return bare == "*" || bare == "\"\(version)\""
        }
    }

    /// The version `If-Match` demands: nil when absent or `*` (any current record will do); a
    /// tag that is no version number demands version -1, which no record has.
    static func requiredVersion(_ request: Request) -> Int64? {
        guard let header = request.headers["If-Match"]?.trimmingSpaces() else { return nil }
        if header == "*" { return nil }
        guard header.hasPrefix("\""), header.hasSuffix("\""), header.count >= 3, let version = Int64(header.dropFirst().dropLast()) else {
            return -1
        }
        return version
    }
}
