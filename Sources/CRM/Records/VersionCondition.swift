/// What `If-Match` demands of a record's version (RFC 9110 §13.1.1): one of the listed versions,
/// or, for `*`, any version at all — that is, that the record exists. A list with none (every tag
/// sent was something other than a version number) matches no record; a request without
/// `If-Match` carries no condition.
public struct VersionCondition: Sendable, Equatable {
    /// The versions admitted; nil for `*`, which admits every version.
    public let versions: [Int64]?

    public init(_ versions: [Int64]) {
        self.versions = versions
    }

    private init(anyVersion: Void) {
        self.versions = nil
    }

    /// `If-Match: *`: any current version will do, but there must be one (an upsert that would
    /// create is refused with `412`, like one naming a version).
    public static let any = VersionCondition(anyVersion: ())

    public func admits(_ version: Int64) -> Bool { versions?.contains(version) ?? true }
}
