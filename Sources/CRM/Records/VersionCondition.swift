/// What `If-Match` demands of a record's version (RFC 9110 §13.1.1): one of the listed versions.
/// A list with none (every tag sent was something other than a version number) matches no
/// record; a request without `If-Match`, or with `*`, carries no condition at all.
public struct VersionCondition: Sendable, Equatable {
    public let versions: [Int64]

    public init(_ versions: [Int64]) {
        self.versions = versions
    }

    public func admits(_ version: Int64) -> Bool { versions.contains(version) }
}
