import CRM
import HTTP

/// Versions as entity tags (API.md §1, "Concurrency"): `ETag: "<version>"`, `If-None-Match`
/// answering `304`, and `If-Match` for writes (`412` on mismatch, RFC 9110 §13.1).
enum EntityTag {
    static func header(_ version: Int64) -> (name: String, value: String) {
        ("ETag", quoted(version))
    }

    /// `"<version>"`, written digit by digit into a string of exactly its size: every record
    /// read carries one, and up to 13 digits it fits in a small string (no allocation), where
    /// interpolation would append three pieces.
    static func quoted(_ version: Int64) -> String {
        guard version >= 0 else { return "\"\(version)\"" }
        var digits = 1
        var rest = version / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return String(unsafeUninitializedCapacity: digits + 2) { buffer in
            buffer[0] = UInt8(ascii: "\"")
            var value = version
            for index in stride(from: digits, through: 1, by: -1) {
                buffer[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
                value /= 10
            }
            buffer[digits + 1] = UInt8(ascii: "\"")
            return digits + 2
        }
    }

    /// True when `If-None-Match` names the current version (or `*`), on any of its lines.
    static func noneMatchHits(_ request: Request, version: Int64) -> Bool {
        noneMatchHits(request.headers.combined("If-None-Match"), version: version)
    }

    /// True when an `If-None-Match` value (all its lines) names `version` (or is `*`).
    static func noneMatchHits(_ header: String?, version: Int64) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { tag in
            let trimmed = tag.trimmingSpacesLowercased()
            let bare = trimmed.hasPrefix("w/") ? String(trimmed.dropFirst(2)) : trimmed
            return bare == "*" || bare == quoted(version)
        }
    }

    /// The versions `If-Match` admits: nil when absent, ``VersionCondition/any`` for `*` (any
    /// current record will do, but there must be one). The
    /// header is a list of strong tags and matches when any of them does (RFC 9110 §13.1.1); a
    /// weak tag (`W/"3"`) or one that is no version number admits nothing, so a list of only
    /// those matches no record. Repeated lines are one list, as if joined by commas.
    static func requiredVersion(_ request: Request) -> VersionCondition? {
        guard let header = request.headers.combined("If-Match") else { return nil }
        let tags = header.split(separator: ",").map { String($0).trimmingSpaces() }
        if tags.contains("*") { return .any }
        let versions = tags.compactMap { tag -> Int64? in
            guard tag.hasPrefix("\""), tag.hasSuffix("\""), tag.count >= 3 else { return nil }
            return Int64(tag.dropFirst().dropLast())
        }
        return VersionCondition(versions)
    }
}
