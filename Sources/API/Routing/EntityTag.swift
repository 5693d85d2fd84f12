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

    /// True when `If-None-Match` names the current version (or `*`).
    static func noneMatchHits(_ request: Request, version: Int64) -> Bool {
        guard let header = request.headers["If-None-Match"] else { return false }
        return header.split(separator: ",").contains { tag in
            let trimmed = tag.trimmingSpacesLowercased()
            let bare = trimmed.hasPrefix("w/") ? String(trimmed.dropFirst(2)) : trimmed
            return bare == "*" || bare == quoted(version)
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
