/// A lenient check of telephone numbers as people type them.
///
/// The API stores phone numbers as entered (formatting is the customer's
/// business), so the rule only catches what cannot be a number:
///
/// - an optional `+` as the first character (international prefix, ITU-T E.164);
/// - otherwise only ASCII digits, spaces, hyphens, dots and parentheses;
/// - 6 to 15 digits in total: E.164 §6 caps an international number at 15
///   digits, and fewer than 6 is not a dialable subscriber number anywhere
///   the CRM is used.
///
/// ```swift
/// PhoneNumber.isValid("+86 138-0013-8000")  // true
/// PhoneNumber.isValid("(030) 1234 5678")    // true
/// PhoneNumber.isValid("call me")            // false
/// PhoneNumber.digits("+1 (555) 010-9999")   // "15550109999"
/// ```
public enum PhoneNumber {
    /// The fewest digits accepted.
    public static let minimumDigits = 6
    /// The most digits accepted (ITU-T E.164).
    public static let maximumDigits = 15

    /// Whether `s` looks like a phone number under the rule above.
    public static func isValid(_ s: String) -> Bool {
        var digitCount = 0
        for (offset, byte) in s.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digitCount += 1
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"):
                continue
            case UInt8(ascii: "+") where offset == 0:
                continue
            default:
                return false
            }
        }
        return (minimumDigits...maximumDigits).contains(digitCount)
    }

    /// The ASCII digits of `s` in order, everything else dropped (including
    /// a leading `+`): a key for matching numbers typed in different styles.
    public static func digits(_ s: String) -> String {
        String(decoding: s.utf8.filter { $0 &- UInt8(ascii: "0") < 10 }, as: UTF8.self)
    }
}
