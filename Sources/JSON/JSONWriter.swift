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
public struct JSONWriter: ~Copyable, @unchecked Sendable {
    // A writer owns its buffer and is never copied (`~Copyable`), so a write is a capacity check
    // and a copy into memory it alone holds: an `Array` checked its buffer's uniqueness on every
    // append and went through its generic `append(contentsOf:)`, about 70 instructions for each
    // of the sixty-odd pieces of a customer (a fifth of a customer's rendering). Unchecked
    // Sendable: the memory is reachable only through this one value.
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var length = 0
    @usableFromInline var capacity: Int

    /// One bit per open container up to ``inlineDepth`` deep, lowest for the outermost: set once
    /// it holds an element, so the next element needs a comma first.
    @usableFromInline var hasElementsBits: UInt64 = 0
    /// The same for the containers deeper than ``inlineDepth``.
    @usableFromInline var deeperHasElements: [Bool] = []
    /// How many containers are open.
    @usableFromInline var depth = 0
    /// Whether the last thing written was a key, so the next value takes no comma.
    @usableFromInline var afterKey = false
    /// Whether each open container is an object (for the debug checks).
    @usableFromInline var isObject: [Bool] = []

    @usableFromInline static let inlineDepth = 64

    /// Creates a writer with room for `capacity` bytes before it reallocates.
    @inlinable
    public init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The JSON written so far (a copy).
    @inlinable
    public var bytes: [UInt8] { [UInt8](UnsafeBufferPointer(start: base, count: length)) }

    /// How many bytes have been written.
    @inlinable
    public var count: Int { length }

    /// Forgets the bytes written so far, keeping the buffer and the open containers: a streamed
    /// document sends what it has and goes on writing.
    @inlinable
    public mutating func removeWritten() {
        length = 0
    }

    /// Ends a line of NDJSON (`\n` after a top-level value).
    @inlinable
    public mutating func newline() {
        assert(depth == 0, "newline() inside a container")
        append(UInt8(ascii: "\n"))
    }

    // MARK: Containers

    @inlinable
    public mutating func beginObject() {
        beforeValue()
        append(UInt8(ascii: "{"))
        push(object: true)
    }

    @inlinable
    public mutating func endObject() {
        assert(isObject.last == true && !afterKey, "endObject() without a matching beginObject() or after a key")
        pop()
        append(UInt8(ascii: "}"))
    }

    @inlinable
    public mutating func beginArray() {
        beforeValue()
        append(UInt8(ascii: "["))
        push(object: false)
    }

    @inlinable
    public mutating func endArray() {
        assert(isObject.last == false, "endArray() without a matching beginArray()")
        pop()
        append(UInt8(ascii: "]"))
    }

    /// Writes a member name already encoded as `"name":` (see ``encodedKey(_:)``): renderers
    /// precompute their keys so hot paths do not escape the same names for every record.
    @inlinable
    public mutating func key(encoded: [UInt8]) {
        assert(isObject.last == true && !afterKey, "key(encoded:) outside an object or twice in a row")
        separate()
        encoded.withUnsafeBufferPointer { append($0) }
        afterKey = true
    }

    /// ``key(encoded:)-([UInt8])`` for a name encoded into a larger buffer.
    @inlinable
    public mutating func key(encoded: UnsafeBufferPointer<UInt8>) {
        assert(isObject.last == true && !afterKey, "key(encoded:) outside an object or twice in a row")
        separate()
        append(encoded)
        afterKey = true
    }

    /// `"name":` as bytes, for ``key(encoded:)``.
    @inlinable
    public static func encodedKey(_ name: String) -> [UInt8] {
        var writer = JSONWriter(capacity: name.utf8.count + 3)
        writer.appendEscaped(name)
        writer.append(UInt8(ascii: ":"))
        return writer.bytes
    }

    /// Writes an object member's name and the `:`; the next call writes its value.
    ///
    /// Disfavoured so that a literal name picks ``key(_:)-(StaticString)`` instead, which copies
    /// the name without scanning it: every record renders a few dozen of them.
    @inlinable @_disfavoredOverload
    public mutating func key(_ key: String) {
        assert(isObject.last == true && !afterKey, "key(_:) outside an object or twice in a row")
        separate()
        appendEscaped(key)
        append(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes a member name given as a literal in the source, which never needs escaping (checked
    /// in debug builds), and the `:`.
    @inlinable
    public mutating func key(_ key: StaticString) {
        assert(isObject.last == true && !afterKey, "key(_:) outside an object or twice in a row")
        let name = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        assert(Self.cleanPrefixLength(name) == name.count, "a literal key that needs escaping: \(key)")
        separate()
        reserve(name.count + 3)
        base[length] = UInt8(ascii: "\"")
        (base + length + 1).update(from: name.baseAddress!, count: name.count)
        length += name.count + 1
        base[length] = UInt8(ascii: "\"")
        base[length + 1] = UInt8(ascii: ":")
        length += 2
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
            var text = value.description
            text.withUTF8 { append($0) }
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
        append(buffer)
    }

    /// Writes already-serialised JSON as one value, e.g. a stored document.
    /// The bytes are not checked.
    @inlinable
    public mutating func rawJSON(_ json: some Sequence<UInt8>) {
        beforeValue()
        if json.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for byte in json { append(byte) }
        }
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

    /// Makes room for `extra` more bytes.
    @inlinable @inline(__always)
    mutating func reserve(_ extra: Int) {
        if _slowPath(capacity - length < extra) { grow(extra) }
    }

    @usableFromInline mutating func grow(_ extra: Int) {
        let needed = length + extra
        var larger = Swift.max(capacity * 2, 16)
        while larger < needed { larger *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.initialize(from: base, count: length)
        base.deallocate()
        base = moved
        capacity = larger
    }

    @inlinable @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[length] = byte
        length += 1
    }

    @inlinable @inline(__always)
    mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let source = buffer.baseAddress, !buffer.isEmpty else { return }
        reserve(buffer.count)
        (base + length).update(from: source, count: buffer.count)
        length += buffer.count
    }

    /// Opens a container one level deeper, holding no element yet.
    @inlinable
    mutating func push(object: Bool) {
        if depth >= Self.inlineDepth { deeperHasElements.append(false) }
        depth += 1
        assert(
            {
                isObject.append(object); return true
            }())
    }

    @inlinable
    mutating func pop() {
        depth -= 1
        if depth >= Self.inlineDepth {
            deeperHasElements.removeLast()
        } else {
            hasElementsBits &= ~(1 << UInt64(depth))
        }
        assert(
            {
                isObject.removeLast(); return true
            }())
    }

    /// Writes the comma before the innermost container's next element, unless it is its first.
    @inlinable @inline(__always)
    mutating func separate() {
        guard depth > 0 else { return }
        let level = depth - 1
        if level < Self.inlineDepth {
            let bit: UInt64 = 1 << UInt64(level)
            if hasElementsBits & bit != 0 { append(UInt8(ascii: ",")) } else { hasElementsBits |= bit }
        } else if deeperHasElements[level - Self.inlineDepth] {
            append(UInt8(ascii: ","))
        } else {
            deeperHasElements[level - Self.inlineDepth] = true
        }
    }

    @inlinable
    mutating func beforeValue() {
        if afterKey {
            afterKey = false
        } else {
            assert(isObject.last != true, "a value inside an object needs key(_:) first")
            separate()
        }
    }

    @usableFromInline mutating func appendASCII(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @usableFromInline mutating func appendDecimal(_ value: Int64) {
        // Int64.min has 19 digits, and a sign.
        reserve(20)
        if value < 0 {
            base[length] = UInt8(ascii: "-")
            length += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20, magnitude >= scale {
            digits += 1
            if scale > UInt64.max / 10 { break }
            scale *= 10
        }
        var index = length + digits
        length = index
        repeat {
            index -= 1
            base[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
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
            reserve(utf8.count + 2)
            base[length] = UInt8(ascii: "\"")
            if let source = utf8.baseAddress { (base + length + 1).update(from: source, count: utf8.count) }
            length += utf8.count + 1
            base[length] = UInt8(ascii: "\"")
            length += 1
            return
        }
        append(UInt8(ascii: "\""))
        var runStart = 0
        for index in clean..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                continue
            }
            if runStart < index {
                append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            runStart = index + 1
            append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): append(UInt8(ascii: "\\"))
            case 0x0A: append(UInt8(ascii: "n"))
            case 0x0D: append(UInt8(ascii: "r"))
            case 0x09: append(UInt8(ascii: "t"))
            case 0x08: append(UInt8(ascii: "b"))
            case 0x0C: append(UInt8(ascii: "f"))
            default:
                appendASCII("u00")
                append(Self.hexDigits[Int(byte >> 4)])
                append(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
        if runStart < utf8.count {
            append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        append(UInt8(ascii: "\""))
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
