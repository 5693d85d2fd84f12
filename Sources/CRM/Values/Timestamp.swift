#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An instant, stored as whole milliseconds since 1970-01-01T00:00:00Z
/// (Unix time, so without leap seconds).
///
/// The API's timestamps (API.md §1) are RFC 3339 in UTC with exactly three
/// fraction digits; any RFC 3339 offset is accepted on input and normalised:
///
/// ```swift
/// let t = Timestamp(rfc3339: "2026-11-23T16:15:30.123+08:00")!
/// t.rfc3339  // "2026-11-23T08:15:30.123Z"
/// t.adding(days: 1).rfc3339  // "2026-11-24T08:15:30.123Z"
/// ```
///
/// Parsing and formatting are pure integer arithmetic (see ``CalendarDate``),
/// not `DateFormatter`, which is slow and locale-dependent.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch; negative before 1970.
    public let millisecondsSinceEpoch: Int64

    static let millisecondsPerDay: Int64 = 86_400_000

    /// The earliest instant RFC 3339 text can express here: `0001-01-01T00:00:00.000Z`.
    public static let earliest = Timestamp(millisecondsSinceEpoch: -62_135_596_800_000)
    /// The latest: `9999-12-31T23:59:59.999Z`.
    public static let latest = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// The current wall-clock time (`CLOCK_REALTIME`), truncated to milliseconds.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// Parses an RFC 3339 §5.6 `date-time`, or returns `nil`.
    ///
    /// - `T` or `t` between date and time (RFC 3339 §5.6 note allows lowercase);
    /// - seconds are required; a fraction of any length may follow and is
    ///   truncated to milliseconds;
    /// - the offset is required: `Z`, `z` or `±HH:MM` (`-00:00` is UTC);
    /// - every field is range-checked, including the days of each month and
    ///   leap years; `24:00:00` is invalid;
    /// - the leap second `:60` is rejected, since Unix time has no place for it;
    /// - the instant, once normalised to UTC, must lie in years 0001–9999.
    public init?(rfc3339 string: String) {
        var string = string
        guard let milliseconds = string.withUTF8({ Self.parse($0) }) else { return nil }
        self.millisecondsSinceEpoch = milliseconds
    }

    /// The instant in the API's form: UTC, exactly three fraction digits,
    /// e.g. `2026-11-23T08:15:30.123Z`.
    public var rfc3339: String {
        let days = CalendarDate.floorDivide(millisecondsSinceEpoch, Self.millisecondsPerDay)
        let millisecondOfDay = millisecondsSinceEpoch - days * Self.millisecondsPerDay
        let date = CalendarDate(daysSinceEpoch: days)
        let secondOfDay = millisecondOfDay / 1000
        guard (1...9999).contains(date.year) else {
            // Outside RFC 3339's four-digit years (only reachable by arithmetic): spelled out plainly.
            return "\(date.description)T\(CalendarDate.padded(secondOfDay / 3600, width: 2)):"
                + "\(CalendarDate.padded(secondOfDay / 60 % 60, width: 2)):\(CalendarDate.padded(secondOfDay % 60, width: 2))."
                + "\(CalendarDate.padded(millisecondOfDay % 1000, width: 3))Z"
        }
        // Formatted into a fixed 24-byte buffer: every write stores timestamps, so this is hot.
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int, at offset: Int, width: Int) {
                var remaining = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
                    remaining /= 10
                }
            }
            put(date.year, at: 0, width: 4)
            buffer[4] = UInt8(ascii: "-")
            put(date.month, at: 5, width: 2)
            buffer[7] = UInt8(ascii: "-")
            put(date.day, at: 8, width: 2)
            buffer[10] = UInt8(ascii: "T")
            put(Int(secondOfDay / 3600), at: 11, width: 2)
            buffer[13] = UInt8(ascii: ":")
            put(Int(secondOfDay / 60 % 60), at: 14, width: 2)
            buffer[16] = UInt8(ascii: ":")
            put(Int(secondOfDay % 60), at: 17, width: 2)
            buffer[19] = UInt8(ascii: ".")
            put(Int(millisecondOfDay % 1000), at: 20, width: 3)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    public var description: String { rfc3339 }

    /// The instant `days` whole days (of 86 400 s) later.
    public func adding(days: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + days * Self.millisecondsPerDay)
    }

    /// The instant `seconds` seconds later.
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + seconds * 1000)
    }

    /// The instant `milliseconds` milliseconds later.
    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// Milliseconds from `earlier` to this instant (negative if `earlier` is later).
    public func milliseconds(since earlier: Timestamp) -> Int64 {
        millisecondsSinceEpoch - earlier.millisecondsSinceEpoch
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    // MARK: Parsing (RFC 3339 §5.6)

    //   date-time  = full-date "T" full-time
    //   full-time  = partial-time time-offset
    //   partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
    //   time-secfrac = "." 1*DIGIT
    //   time-offset  = "Z" / time-numoffset ; time-numoffset = ("+" / "-") time-hour ":" time-minute
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count >= 20,
            let date = CalendarDate.parsePrefix(bytes),
            bytes[10] | 0x20 == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = CalendarDate.decimal(bytes, at: 11, digits: 2), hour <= 23,
            let minute = CalendarDate.decimal(bytes, at: 14, digits: 2), minute <= 59,
            let second = CalendarDate.decimal(bytes, at: 17, digits: 2), second <= 59
        else { return nil }

        var position = 19
        var millisecond = 0
        if bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 {
                if position - fractionStart < 3 {
                    millisecond = millisecond * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                }
                position += 1
            }
            let fractionDigits = position - fractionStart
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<max(fractionDigits, 3) {
                millisecond *= 10
            }
        }

        guard position < bytes.count else { return nil }
        var offsetMinutes = 0
        switch bytes[position] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            position += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            guard position + 6 <= bytes.count,
                bytes[position + 3] == UInt8(ascii: ":"),
                let offsetHour = CalendarDate.decimal(bytes, at: position + 1, digits: 2), offsetHour <= 23,
                let offsetMinute = CalendarDate.decimal(bytes, at: position + 4, digits: 2), offsetMinute <= 59
            else { return nil }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
            position += 6
        default:
            return nil
        }
        guard position == bytes.count else { return nil }

        let secondOfDay = Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
        let milliseconds = date.daysSinceEpoch * millisecondsPerDay + secondOfDay * 1000 + Int64(millisecond)
        guard (earliest.millisecondsSinceEpoch...latest.millisecondsSinceEpoch).contains(milliseconds) else {
            return nil
        }
        return milliseconds
    }
}
