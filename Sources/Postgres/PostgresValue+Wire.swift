// How values cross the wire: pure functions over bytes, testable without a server.
//
// Results come back in the text format, all columns. Every PostgreSQL type has a text form, so a
// column of any type (timestamptz, numeric, jsonb, uuid, an enum, a domain) is readable without a
// decoder written for it here, whereas the binary format would need one per type and fail on any
// type without. The text forms of the few types decoded further are stable and cheap to parse:
// integers, `t`/`f`, floats (shortest exact round trip: `extra_float_digits` is set on connect) and
// bytea (hex: `bytea_output` is set on connect). The price is the hex doubling of bytea, which
// this schema barely uses.
//
// Parameters travel as text too, with their type left to the server (a zero OID): the server reads
// the text as the parameter's type from the SQL, as it reads a quoted literal, so one binding
// serves an int4, int8 or numeric column alike and a string serves timestamptz or jsonb. Bytes are
// the exception: they travel in the binary format, raw, which is exactly bytea's binary form and
// saves the hex round trip.

/// The type OIDs decoded into something other than text (`pg_type.oid`, fixed since forever:
/// `src/include/catalog/pg_type.dat`).
enum TypeOID {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let oid: UInt32 = 26
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let numeric: UInt32 = 1700
}

extension PostgresValue {
    /// One parameter as libpq takes it: its bytes and whether they are in the binary format. nil
    /// for NULL, which libpq takes as a null pointer.
    func wireParameter(sql: String?) throws -> (bytes: [UInt8], isBinary: Bool)? {
        switch self {
        case .null:
            return nil
        case .integer(let value):
            return (Array(String(value).utf8), false)
        case .double(let value):
            return (Array(PostgresValue.floatText(value).utf8), false)
        case .text(let text):
            // Text parameters are C strings to libpq, so a NUL would silently cut the value short;
            // PostgreSQL's text cannot hold one anyway.
            guard !text.utf8.contains(0) else {
                throw PostgresError(
                    sqlState: PostgresError.characterNotInRepertoire, message: "text cannot contain a NUL character", sql: sql)
            }
            return (Array(text.utf8), false)
        case .bytes(let bytes):
            return (bytes, true)
        case .bool(let value):
            return (value ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")], false)
        }
    }

    /// Swift's `description` is the shortest text that reads back as the same Double, which
    /// `float8in` reads exactly; only the non-finite values are spelled PostgreSQL's way.
    static func floatText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return value.description
    }

    /// The value of one non-NULL result column given in the text format.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, type: UInt32) -> PostgresValue {
        switch type {
        case TypeOID.int2, TypeOID.int4, TypeOID.int8, TypeOID.oid:
            if let integer = parseInteger(text) { return .integer(integer) }
        case TypeOID.float4, TypeOID.float8:
            if let double = parseFloat(text) { return .double(double) }
        case TypeOID.bool:
            if text.count == 1, text[0] == UInt8(ascii: "t") || text[0] == UInt8(ascii: "f") {
                return .bool(text[0] == UInt8(ascii: "t"))
            }
        case TypeOID.bytea:
            if let bytes = parseHexBytea(text) { return .bytes(bytes) }
        default:
            break
        }
        // Every other type, and (never expected) a form the cases above do not know, as text.
        return .text(String(decoding: text, as: UTF8.self))
    }

    /// A decimal integer, `-` allowed; nil if it is not one or does not fit.
    static func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < text.count else { return nil }
        var value: Int64 = 0
        while index < text.count {
            let digit = Int64(text[index]) - 48
            guard (0...9).contains(digit) else { return nil }
            // Accumulated negatively so that Int64.min, whose magnitude has no positive twin, fits.
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (next, underflow) = shifted.subtractingReportingOverflow(digit)
            guard !overflow, !underflow else { return nil }
            value = next
            index += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    static func parseFloat(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        let string = String(decoding: text, as: UTF8.self)
        switch string {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(string)
        }
    }

    /// bytea's hex format: `\x` and two hex digits per byte.
    static func parseHexBytea(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((text.count - 2) / 2)
        var index = 2
        while index < text.count {
            guard let high = hexDigit(text[index]), let low = hexDigit(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
