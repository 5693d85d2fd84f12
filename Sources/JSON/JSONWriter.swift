/// Writes compact JSON (RFC 8259) straight into a byte buffer.
///
/// Commas are managed for you: the writer remembers, for each open array or
/// object, whether it already holds an element. Strings are escaped as
/// RFC 8259 §7 requires — `"`, `\` and the control characters U+0000–U+001F
/// (as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`) — and everything else,
/// including non-ASCII text, is written as UTF-8 unchanged; `/` is not escaped.
///
/// ```swift
/// var writer = JSONWriter()
/// writer.beginObject()
/// writer.key("id"); writer.int(42)
/// writer.key("tags"); writer.beginArray(); writer.string("vip"); writer.endArray()
/// writer.endObject()
/// // writer.bytes == Array(#"{"id":42,"tags":["vip"]}"#.utf8)
/// ```
///
/// Every request renders through it, so its methods are `@inlinable`: a renderer in another
/// module compiles them in place, as if the writer were its own.
///
/// Misuse (a key outside an object, unbalanced `end` calls) is a programming
/// error and is caught by assertions in debug builds.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public var bytes: [UInt8]

    /// One entry per open container: `true` once it holds an element, so the
    /// next element needs a comma first.
    @usableFromInline var hasElements: [Bool] = []
    /// Whether the last thing written was a key, so the next value takes no comma.
    @usableFromInline var afterKey = false
    /// Whether each open container is an object (for the debug checks).
    @usableFromInline var isObject: [Bool] = []

    /// Creates a writer with room for `capacity` bytes before it reallocates.
    @inlinable
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Containers

    @inlinable
    public mutating func beginObject() {
        beforeValue()
        bytes.append(UInt8(ascii: "{"))
        hasElements.append(false)
        isObject.append(true)
    }

    @inlinable
    public mutating func endObject() {
        assert(isObject.last == true && !afterKey, "endObject() without a matching beginObject() or after a key")
        hasElements.removeLast()
        isObject.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    @inlinable
    public mutating func beginArray() {
        beforeValue()
        bytes.append(UInt8(ascii: "["))
        hasElements.append(false)
        isObject.append(false)
    }

    @inlinable
    public mutating func endArray() {
        assert(isObject.last == false, "endArray() without a matching beginArray()")
        hasElements.removeLast()
        isObject.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a member name already encoded as `"name":` (see ``encodedKey(_:)``): renderers
    /// precompute their keys so hot paths do not escape the same names for every record.
    @inlinable
    public mutating func key(encoded: [UInt8]) {
        assert(isObject.last == true && !afterKey, "key(encoded:) outside an object or twice in a row")
        if let last = hasElements.indices.last {
            if hasElements[last] { bytes.append(UInt8(ascii: ",")) } else { hasElements[last] = true }
        }
        bytes.append(contentsOf: encoded)
        afterKey = true
    }

    /// `"name":` as bytes, for ``key(encoded:)``.
    @inlinable
    public static func encodedKey(_ name: String) -> [UInt8] {
        var writer = JSONWriter(capacity: name.utf8.count + 3)
        writer.appendEscaped(name)
        writer.bytes.append(UInt8(ascii: ":"))
        return writer.bytes
    }

    /// Writes an object member's name and the `:`; the next call writes its value.
    ///
    /// Disfavoured so that a literal name picks ``key(_:)-(StaticString)`` instead, which copies
    /// the name without scanning it: every record renders a few dozen of them.
    @inlinable @_disfavoredOverload
    public mutating func key(_ key: String) {
        assert(isObject.last == true && !afterKey, "key(_:) outside an object or twice in a row")
        if let last = hasElements.indices.last {
            if hasElements[last] { bytes.append(UInt8(ascii: ",")) } else { hasElements[last] = true }
        }
        appendEscaped(key)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes a member name given as a literal in the source, which never needs escaping (checked
    /// in debug builds), and the `:`.
    @inlinable
    public mutating func key(_ key: StaticString) {
        assert(isObject.last == true && !afterKey, "key(_:) outside an object or twice in a row")
        let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        assert(Self.cleanPrefixLength(name) == name.count, "a literal key that needs escaping: \(key)")
        if let last = hasElements.indices.last {
            if hasElements[last] { bytes.append(UInt8(ascii: ",")) } else { hasElements[last] = true }
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: Scalars

    @inlinable
    public mutating func string(_ value: String) {
        beforeValue()
        appendEscaped(value)
    }

    @inlinable
    public mutating func int(_ value: Int64) {
        beforeValue()
        appendDecimal(value)
    }

    /// Writes Swift's shortest round-trip form (`0.1`, `12.0`, `1e-07`), which
    /// is valid RFC 8259 number syntax; infinities and NaN, which JSON cannot
    /// express (§6), are written as `null`.
    @inlinable
    public mutating func double(_ value: Double) {
        beforeValue()
        if value.isFinite {
            bytes.append(contentsOf: value.description.utf8)
        } else {
            appendASCII("null")
        }
    }

    @inlinable
    public mutating func bool(_ value: Bool) {
        beforeValue()
        appendASCII(value ? "true" : "false")
    }

    @inlinable
    public mutating func null() {
        beforeValue()
        appendASCII("null")
    }

    /// Writes UTF-8 bytes (e.g. straight from a database column) as an escaped JSON string,
    /// without making a `String`. The bytes must be valid UTF-8.
    @inlinable
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        beforeValue()
        appendEscaped(utf8)
    }

    /// Writes already-serialised JSON bytes as one value (a stored document), unchecked.
    @inlinable
    public mutating func rawJSON(buffer: UnsafeBufferPointer<UInt8>) {
        beforeValue()
        bytes.append(contentsOf: buffer)
    }

    /// Writes already-serialised JSON as one value, e.g. a stored document.
    /// The bytes are not checked.
    @inlinable
    public mutating func rawJSON(_ json: some Sequence<UInt8>) {
        beforeValue()
        bytes.append(contentsOf: json)
    }

    /// Writes a whole value.
    @inlinable
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null:
            null()
        case .bool(let flag):
            bool(flag)
        case .int(let number):
            int(number)
        case .double(let number):
            double(number)
        case .string(let text):
            string(text)
        case .array(let elements):
            beginArray()
            for element in elements {
                self.value(element)
            }
            endArray()
        case .object(let object):
            beginObject()
            for (name, member) in object {
                key(name)
                self.value(member)
            }
            endObject()
        }
    }

    // MARK: Encoding

    @usableFromInline mutating func beforeValue() {
        if afterKey {
            afterKey = false
        } else if let last = hasElements.indices.last {
            assert(!isObject[last], "a value inside an object needs key(_:) first")
            if hasElements[last] {
                bytes.append(UInt8(ascii: ","))
            } else {
                hasElements[last] = true
            }
        }
    }

    @usableFromInline mutating func appendASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @usableFromInline mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        // Int64.min has 19 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    /// How many leading bytes need no escape. Eight bytes at a time: a word is clean when none of
    /// its bytes is below 0x20, `"` or `\\` (the classic has-less and has-zero bit tricks, exact for
    /// "does any byte match"); only the word that holds the first escape is looked at bytewise.
    @usableFromInline static func cleanPrefixLength(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        if let base = utf8.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= utf8.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let control = (word &- ones &* 0x20) & ~word
                let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
                let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
                let found = (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs
                if found != 0 { break }
                index += 8
            }
        }
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            index += 1
        }
        return index
    }

    @usableFromInline static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `text` as a quoted JSON string (RFC 8259 §7), copying runs of
    /// bytes that need no escape in one go.
    @usableFromInline mutating func appendEscaped(_ text: String) {
        var text = text
        text.withUTF8 { appendEscaped($0) }
    }

    /// Copies runs that need no escaping in one append each (most text has none).
    @usableFromInline mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        // Fast path: most text needs no escape at all, so check first and copy it whole.
        let clean = Self.cleanPrefixLength(utf8)
        if clean == utf8.count {
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in clean..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                continue
            }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            runStart = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(contentsOf: [
                    UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0x0F)],
                ])
            }
        }
        if runStart < utf8.count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The value as compact UTF-8 JSON.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// The value as a compact JSON string.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
