/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// One pass over the input with an index; strings are built straight from the
/// validated byte ranges. What it accepts is exactly the RFC 8259 grammar:
///
/// - the input must be well-formed UTF-8 (RFC 8259 §8.1, RFC 3629); a byte
///   order mark is rejected (§8.1: implementations "MUST NOT add a byte order
///   mark" and we do not skip one);
/// - numbers follow §6: no leading zeros, no `+`, no `NaN`/`Infinity`, no
///   bare `.5` or `1.`; an integer literal that fits in `Int64` becomes
///   ``JSONValue/int(_:)``, everything else ``JSONValue/double(_:)``
///   (`1.0` and `1e2` are doubles); a number whose magnitude exceeds
///   `Double.greatestFiniteMagnitude` is an error. With `exactNumbers`, so is
///   one that the `Double` would silently change: one that underflows
///   (`1e-400`) or has more significant digits than a `Double` keeps (a 39-digit
///   integer) — the number must read back as written
///   (``JSONParseError/Reason/inexactNumber``); request bodies are read so, since
///   a value the server would store other than as sent is a lie to the client;
/// - strings follow §7: every escape including `\/` and UTF-16 surrogate pairs
///   in `\u` escapes; a lone surrogate and an unescaped control character
///   (U+0000–U+001F) are errors;
/// - an object may not repeat a name (§4 leaves duplicates undefined; we
///   refuse them so that no two layers can read different values);
/// - arrays and objects nest at most ``maximumDepth`` levels;
/// - whitespace (§2: space, tab, LF, CR) may surround any token; anything but
///   whitespace after the top-level value is an error.
///
/// ```swift
/// let value = try JSONParser.parse(#"{"qty": 3, "price": 12.5}"#)
/// value.objectValue?["qty"]  // .int(3)
/// ```
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted. `[[1]]` has depth 2.
    public static let maximumDepth = 64

    /// Parses one JSON document from `bytes`; `exactNumbers` refuses a number that a `Double`
    /// would not keep as written.
    public static func parse(_ bytes: [UInt8], exactNumbers: Bool = false) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer in
            parseResult(buffer, exactNumbers: exactNumbers)
        }
        return try result.get()
    }

    /// Parses one JSON document from raw memory, e.g. a request body still in
    /// the connection's receive buffer.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        let result = bytes.withMemoryRebound(to: UInt8.self) { buffer in
            parseResult(buffer)
        }
        return try result.get()
    }

    /// Parses one JSON document from the UTF-8 of `string`.
    public static func parse(_ string: String) throws(JSONParseError) -> JSONValue {
        var string = string
        let result = string.withUTF8 { buffer in
            parseResult(buffer)
        }
        return try result.get()
    }

    private static func parseResult(
        _ buffer: UnsafeBufferPointer<UInt8>, exactNumbers: Bool = false
    ) -> Result<JSONValue, JSONParseError> {
        var scanner = Scanner(bytes: buffer, exactNumbers: exactNumbers)
        do throws(JSONParseError) {
            let value = try scanner.parseDocument()
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

// MARK: - Scanner

extension JSONParser {
    /// The parser's state: the input, the read position and the nesting depth.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        var depth = 0
        /// Reused buffer for strings that contain escapes.
        var scratch: [UInt8] = []
        /// Refuse numbers a `Double` would change (``JSONParseError/Reason/inexactNumber``).
        let exactNumbers: Bool
        /// The top-level object member being read, for the error of a number it holds.
        var member: String?

        init(bytes: UnsafeBufferPointer<UInt8>, exactNumbers: Bool) {
            self.bytes = bytes
            self.exactNumbers = exactNumbers
        }

        mutating func parseDocument() throws(JSONParseError) -> JSONValue {
            let value = try parseValue()
            skipWhitespace()
            if position < bytes.count {
                throw JSONParseError(.trailingData, at: position)
            }
            return value
        }

        // MARK: Values

        mutating func parseValue() throws(JSONParseError) -> JSONValue {
            skipWhitespace()
            guard position < bytes.count else {
                throw JSONParseError(.unexpectedEnd, at: position)
            }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                return try parseObject()
            case UInt8(ascii: "["):
                return try parseArray()
            case UInt8(ascii: "\""):
                return .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try parseNumber()
            case let byte:
                throw JSONParseError(.unexpectedCharacter(byte), at: position)
            }
        }

        mutating func parseObject() throws(JSONParseError) -> JSONValue {
            try enterContainer()
            position += 1  // "{"
            var object = JSONObject()
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(object)
            }
            while true {
                skipWhitespace()
                let keyOffset = position
                guard try peek() == UInt8(ascii: "\"") else {
                    throw unexpectedHere()
                }
                let key = try parseString()
                skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else {
                    throw unexpectedHere()
                }
                position += 1
                if depth == 1 { member = key }
                let value = try parseValue()
                guard object.appendIfAbsent(key, value) else {
                    throw JSONParseError(.duplicateKey(key), at: keyOffset)
                }
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","):
                    position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    depth -= 1
                    return .object(object)
                default:
                    throw unexpectedHere()
                }
            }
        }

        mutating func parseArray() throws(JSONParseError) -> JSONValue {
            try enterContainer()
            position += 1  // "["
            var elements: [JSONValue] = []
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(elements)
            }
            while true {
                elements.append(try parseValue())
                skipWhitespace()
                switch try peek() {
                case UInt8(ascii: ","):
                    position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    depth -= 1
                    return .array(elements)
                default:
                    throw unexpectedHere()
                }
            }
        }

        mutating func enterContainer() throws(JSONParseError) {
            depth += 1
            if depth > JSONParser.maximumDepth {
                throw JSONParseError(.tooDeep, at: position)
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
            let utf8 = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            for expected in utf8 {
                guard position < bytes.count else {
                    throw JSONParseError(.unexpectedEnd, at: position)
                }
                guard bytes[position] == expected else {
                    throw JSONParseError(.unexpectedCharacter(bytes[position]), at: position)
                }
                position += 1
            }
        }

        // MARK: Numbers (RFC 8259 §6)

        mutating func parseNumber() throws(JSONParseError) -> JSONValue {
            let start = position
            var negative = false
            if bytes[position] == UInt8(ascii: "-") {
                negative = true
                position += 1
            }
            // int = zero / ( digit1-9 *DIGIT )
            guard let first = try peekDigit() else { throw unexpectedHere() }
            var magnitude = UInt64(first)
            var overflow = false
            position += 1
            if first == 0 {
                if position < bytes.count, isDigit(bytes[position]) {
                    throw JSONParseError(.leadingZero, at: start)
                }
            } else {
                while position < bytes.count, isDigit(bytes[position]) {
                    if !overflow {
                        let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                        let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[position] &- 0x30))
                        magnitude = sum
                        overflow = o1 || o2
                    }
                    position += 1
                }
            }
            var isInteger = true
            // frac = decimal-point 1*DIGIT
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                try skipDigits()
            }
            // exp = e [ minus / plus ] 1*DIGIT
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                isInteger = false
                position += 1
                if position < bytes.count,
                    bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    position += 1
                }
                try skipDigits()
            }
            if isInteger && !overflow {
                if negative {
                    if magnitude <= UInt64(Int64.max) {
                        return .int(-Int64(magnitude))
                    }
                    if magnitude == UInt64(Int64.max) + 1 {
                        return .int(Int64.min)
                    }
                } else if magnitude <= UInt64(Int64.max) {
                    return .int(Int64(magnitude))
                }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let double = Double(text), double.isFinite else {
                var error = JSONParseError(.numberOutOfRange, at: start)
                error.member = member
                throw error
            }
            guard exactNumbers else { return .double(double) }
            if isInteger && !overflow, UInt64(exactly: double.magnitude) == magnitude {
                return .double(double)
            }
            guard DecimalText(text) == DecimalText("\(double)") else {
                var error = JSONParseError(.inexactNumber, at: start)
                error.member = member
                throw error
            }
            return .double(double)
        }

        /// Skips `1*DIGIT`.
        mutating func skipDigits() throws(JSONParseError) {
            guard try peekDigit() != nil else { throw unexpectedHere() }
            position += 1
            while position < bytes.count, isDigit(bytes[position]) {
                position += 1
            }
        }

        /// The digit at the current position, `nil` for another byte; throws at end of input.
        func peekDigit() throws(JSONParseError) -> UInt8? {
            let byte = try peek()
            return isDigit(byte) ? byte &- 0x30 : nil
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte &- UInt8(ascii: "0") < 10
        }

        // MARK: Strings (RFC 8259 §7)

        /// Parses a string starting at its opening quote.
        mutating func parseString() throws(JSONParseError) -> String {
            position += 1  // opening quote
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let string = String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]),
                        as: UTF8.self
                    )
                    position += 1
                    return string
                } else if byte == UInt8(ascii: "\\") {
                    return try parseEscapedString(from: start)
                } else if byte < 0x20 {
                    throw JSONParseError(.controlCharacterInString, at: position)
                } else if byte < 0x80 {
                    position += 1
                } else {
                    try skipUTF8Sequence()
                }
            }
            throw JSONParseError(.unexpectedEnd, at: position)
        }

        /// Continues a string at its first backslash, collecting bytes in `scratch`.
        mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    position += 1
                    return String(decoding: scratch, as: UTF8.self)
                } else if byte == UInt8(ascii: "\\") {
                    try appendEscape()
                } else if byte < 0x20 {
                    throw JSONParseError(.controlCharacterInString, at: position)
                } else if byte < 0x80 {
                    scratch.append(byte)
                    position += 1
                } else {
                    let sequenceStart = position
                    try skipUTF8Sequence()
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[sequenceStart..<position]))
                }
            }
            throw JSONParseError(.unexpectedEnd, at: position)
        }

        /// Decodes the escape at the current backslash into `scratch`.
        mutating func appendEscape() throws(JSONParseError) {
            let escapeStart = position
            position += 1
            guard position < bytes.count else {
                throw JSONParseError(.unexpectedEnd, at: position)
            }
            let decoded: UInt8
            switch bytes[position] {
            case UInt8(ascii: "\""): decoded = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): decoded = UInt8(ascii: "\\")
            case UInt8(ascii: "/"): decoded = UInt8(ascii: "/")
            case UInt8(ascii: "b"): decoded = 0x08
            case UInt8(ascii: "f"): decoded = 0x0C
            case UInt8(ascii: "n"): decoded = 0x0A
            case UInt8(ascii: "r"): decoded = 0x0D
            case UInt8(ascii: "t"): decoded = 0x09
            case UInt8(ascii: "u"):
                position += 1
                let unit = try readHex4(escapeStart: escapeStart)
                let scalarValue: UInt32
                switch unit {
                case 0xD800...0xDBFF:
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard position + 1 < bytes.count,
                        bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else {
                        throw JSONParseError(.loneSurrogate, at: escapeStart)
                    }
                    let lowStart = position
                    position += 2
                    let low = try readHex4(escapeStart: lowStart)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONParseError(.loneSurrogate, at: escapeStart)
                    }
                    scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                case 0xDC00...0xDFFF:
                    throw JSONParseError(.loneSurrogate, at: escapeStart)
                default:
                    scalarValue = UInt32(unit)
                }
                // Not a surrogate, so always a valid scalar.
                let scalar = Unicode.Scalar(scalarValue)!
                scratch.append(contentsOf: UTF8.encode(scalar)!)
                return
            default:
                throw JSONParseError(.invalidEscape, at: escapeStart)
            }
            scratch.append(decoded)
            position += 1
        }

        /// Reads the four hex digits of a `\u` escape.
        mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
            guard position + 4 <= bytes.count else {
                throw JSONParseError(.unexpectedEnd, at: bytes.count)
            }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw JSONParseError(.invalidEscape, at: escapeStart)
                }
                value = value << 4 | UInt16(digit)
                position += 1
            }
            return value
        }

        /// Validates one multi-byte UTF-8 sequence at the current position and
        /// skips it. Well-formedness per Unicode Table 3-7 (RFC 3629 §4):
        /// no overlong forms, no surrogates, nothing above U+10FFFF.
        mutating func skipUTF8Sequence() throws(JSONParseError) {
            let lead = bytes[position]
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: throw JSONParseError(.invalidUTF8, at: position)
            }
            guard position + length <= bytes.count,
                secondRange.contains(bytes[position + 1])
            else {
                throw JSONParseError(.invalidUTF8, at: position)
            }
            var offset = 2
            while offset < length {
                guard bytes[position + offset] & 0xC0 == 0x80 else {
                    throw JSONParseError(.invalidUTF8, at: position)
                }
                offset += 1
            }
            position += length
        }

        // MARK: Helpers

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// The byte at the current position; throws at end of input.
        func peek() throws(JSONParseError) -> UInt8 {
            guard position < bytes.count else {
                throw JSONParseError(.unexpectedEnd, at: position)
            }
            return bytes[position]
        }

        /// The error for the byte at the current position (or the end).
        func unexpectedHere() -> JSONParseError {
            guard position < bytes.count else {
                return JSONParseError(.unexpectedEnd, at: position)
            }
            return JSONParseError(.unexpectedCharacter(bytes[position]), at: position)
        }
    }
}

/// A decimal number literal reduced to sign, significant digits and exponent, so that two
/// spellings of one value compare equal (`1e2`, `100`, `100.0`) and a rounded value does not
/// (`0.1000000000000000055` against the `0.1` a `Double` reads it as).
private struct DecimalText: Equatable {
    var negative = false
    /// The significant digits, without leading or trailing zeros; empty for zero.
    var digits: [UInt8] = []
    /// The value is `digits` (as an integer) × 10^exponent.
    var exponent = 0

    /// `text` is a JSON number or Swift's description of a finite `Double` (both are
    /// `-? digits (. digits)? ([eE] [+-]? digits)?`).
    init(_ text: String) {
        var bytes = text.utf8[...]
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        }
        var fractionDigits = 0
        var inFraction = false
        while let byte = bytes.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if byte == UInt8(ascii: ".") {
                inFraction = true
            } else {
                if !(digits.isEmpty && byte == UInt8(ascii: "0")) { digits.append(byte) }
                if inFraction { fractionDigits += 1 }
            }
        }
        var written = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                exponentNegative = sign == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            // Saturate: an exponent past a million is far outside any Double either way.
            for byte in bytes { written = min(written * 10 + Int(byte &- 0x30), 1_000_000) }
            if exponentNegative { written = -written }
        }
        exponent = written - fractionDigits
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty {
            // Zero: its sign and exponent say nothing.
            negative = false
            exponent = 0
        }
    }
}
