/// The one spelling of a record id: a positive decimal integer without sign or leading zeros
/// that fits in `Int64`.
///
/// Ids arrive in paths (`/v1/customers/42`) and inside API key secrets (`crm_42_…`). Accepting
/// `042`, `+42` or ` 42` as well would give one record several names, which caches, logs and
/// access rules then tell apart; so anything but the canonical form names nothing.
///
///     RecordID.parse("42")   // 42
///     RecordID.parse("042")  // nil
public enum RecordID {
    /// `@inlinable`, so each caller gets it specialized for its own text type: unspecialized
    /// across the module boundary, walking a `StringProtocol`'s UTF-8 view through witness tables
    /// cost about 2,000 instructions for a four-digit id, on every request by id.
    @inlinable
    public static func parse<Text: StringProtocol>(_ text: Text) -> Int64? {
        let utf8 = text.utf8
        guard let first = utf8.first, first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9"), utf8.count <= 19 else {
            return nil
        }
        var value: Int64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return value
    }
}
