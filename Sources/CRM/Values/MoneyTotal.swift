/// Totals of money are exact sums in 64-bit minor units. One that would pass `Int64.max` is
/// refused as a `422` `total_too_large` naming the field of the write that would carry it there;
/// an unchecked `+` would trap and end the process. Reachable only on purpose: thousands of
/// orders at the largest amount.
enum MoneyTotal {
    /// `total + amount`, or the `422` naming `field`; `what` names the total in the message.
    static func adding(_ amount: Int64, to total: Int64, field: String, what: String) throws -> Int64 {
        let (sum, overflow) = total.addingReportingOverflow(amount)
        if overflow {
            throw CRMError.validation([FieldIssue(field, "total_too_large", "\(what) would pass the largest the server keeps")])
        }
        return sum
    }
}
