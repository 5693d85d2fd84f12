/// A day in the proleptic Gregorian calendar, without time or zone: the API's
/// `YYYY-MM-DD` dates (a birthday, a due date, an analytics bucket).
///
/// The text form is RFC 3339 §5.6 `full-date`; conversions to and from a day
/// count use Howard Hinnant's `days_from_civil` / `civil_from_days`
/// algorithms (pure integer arithmetic, no `DateFormatter`, no locale).
///
/// ```swift
/// let due = CalendarDate("2024-02-28")!
/// due.adding(days: 1).description  // "2024-02-29"
/// CalendarDate("2026-02-29")      // nil: 2026 is not a leap year
/// ```
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year; 1...9999 for dates parsed or built with ``init(year:month:day:)``.
    public let year: Int
    /// The month, 1...12.
    public let month: Int
    /// The day of the month, 1...28/29/30/31.
    public let day: Int

    /// Creates a date from its parts, or `nil` unless the year is 0001–9999
    /// (the RFC 3339 `date-fullyear` range, excluding year 0) and the day
    /// exists in that month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= Self.daysInMonth(month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD` (RFC 3339 §5.6 `full-date`), or returns
    /// `nil`. The day must exist: `2024-02-29` parses, `2026-02-29` does not.
    public init?(_ string: String) {
        var string = string
        guard let date = string.withUTF8({ Self.parse($0) }) else { return nil }
        self = date
    }

    /// The date `daysSinceEpoch` days after 1970-01-01 (negative: before).
    public init(daysSinceEpoch: Int64) {
        let (year, month, day) = Self.civil(fromDays: daysSinceEpoch)
        self.year = Int(year)
        self.month = Int(month)
        self.day = Int(day)
    }

    /// The UTC calendar date of `timestamp`.
    public init(_ timestamp: Timestamp) {
        self.init(daysSinceEpoch: Self.floorDivide(timestamp.millisecondsSinceEpoch, Timestamp.millisecondsPerDay))
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int64 {
        Self.days(year: Int64(year), month: Int64(month), day: Int64(day))
    }

    /// Midnight UTC at the start of this date.
    public var startTimestamp: Timestamp {
        Timestamp(millisecondsSinceEpoch: daysSinceEpoch * Timestamp.millisecondsPerDay)
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int64) -> CalendarDate {
        CalendarDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// The number of days from this date to `other` (negative if `other` is earlier).
    public func days(to other: CalendarDate) -> Int64 {
        other.daysSinceEpoch - daysSinceEpoch
    }

    /// ISO 8601 weekday: 1 = Monday ... 7 = Sunday.
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        Int(Self.floorModulo(daysSinceEpoch + 3, 7)) + 1
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        var text = Self.padded(year, width: 4)
        text += "-"
        text += Self.padded(month, width: 2)
        text += "-"
        text += Self.padded(day, width: 2)
        return text
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    // MARK: Calendar rules

    /// Gregorian leap year: divisible by 4, except centuries not divisible by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1...12) of `year`.
    public static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: Parsing and arithmetic shared with Timestamp

    /// Parses `YYYY-MM-DD` occupying all of `bytes`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> CalendarDate? {
        guard bytes.count == 10 else { return nil }
        return parsePrefix(bytes)
    }

    /// Parses `YYYY-MM-DD` from the first ten bytes of `bytes`.
    static func parsePrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> CalendarDate? {
        guard bytes.count >= 10,
            bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = decimal(bytes, at: 0, digits: 4),
            let month = decimal(bytes, at: 5, digits: 2),
            let day = decimal(bytes, at: 8, digits: 2)
        else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    /// The value of exactly `digits` ASCII digits at `offset`, or `nil`.
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, digits: Int) -> Int? {
        guard offset >= 0, offset + digits <= bytes.count else { return nil }
        var value = 0
        for index in offset..<(offset + digits) {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400  // [0, 399]
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count (Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // [0, 11], March-based
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Division rounding towards negative infinity.
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// Remainder with the sign of a positive divisor.
    static func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        value - floorDivide(value, divisor) * divisor
    }

    /// Zero-padded decimal; a negative value keeps its sign before the padding.
    static func padded(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + padding + digits
    }
}
