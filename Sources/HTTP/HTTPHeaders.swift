/// The header (or trailer) fields of a request, in the order received.
///
/// Storage is the raw bytes of the field lines plus one (name range, value range) pair per
/// field, so parsing a head costs two allocations however many fields it has; a `String` is
/// made only when a caller asks for one. Names match ASCII-case-insensitively
/// (RFC 9110 §5.1); values are already trimmed of surrounding whitespace (RFC 9112 §5).
///
/// ```swift
/// let type = request.headers["content-type"]          // first value or nil
/// let tags = request.headers.values("If-None-Match")  // every value, in order
/// for (name, value) in request.headers { print(name, value) }
/// ```
public struct HTTPHeaders: Sendable, Sequence, Equatable, ExpressibleByDictionaryLiteral {
    /// Where one field's name and value lie in ``bytes``.
    struct Field: Sendable {
        var nameStart: Int
        var nameEnd: Int
        var valueStart: Int
        var valueEnd: Int
    }

    private(set) var bytes: [UInt8]
    private(set) var fields: [Field]

    /// No fields.
    public init() {
        bytes = []
        fields = []
    }

    /// Fields from `(name, value)` pairs, in order; meant for tests and for building requests
    /// by hand. Names and values are stored as given (no validation, no trimming).
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { add(name: name, value: value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    init(bytes: [UInt8], fields: [Field]) {
        self.bytes = bytes
        self.fields = fields
    }

    /// Appends a field after the existing ones.
    public mutating func add(name: String, value: String) {
        let nameStart = bytes.count
        bytes.append(contentsOf: name.utf8)
        let valueStart = bytes.count
        bytes.append(contentsOf: value.utf8)
        fields.append(Field(nameStart: nameStart, nameEnd: valueStart, valueStart: valueStart, valueEnd: bytes.count))
    }

    /// The number of fields (a repeated name counts once per line).
    public var count: Int { fields.count }

    public var isEmpty: Bool { fields.isEmpty }

    /// The first value of the field named `name` (ASCII case-insensitive), or `nil`.
    public subscript(_ name: String) -> String? {
        guard let index = firstIndex(of: name) else { return nil }
        return value(at: index)
    }

    /// Every value of the fields named `name`, in order; a comma list in one line stays one value.
    public func values(_ name: String) -> [String] {
        indices(of: name).map { value(at: $0) }
    }

    /// A list field as one value: every line named `name` joined with `", "` (RFC 9110 §5.3: a
    /// recipient may combine repeated lines of a list field so), or `nil` when there is none.
    public func combined(_ name: String) -> String? {
        let lines = indices(of: name)
        guard let first = lines.first else { return nil }
        if lines.count == 1 { return value(at: first) }
        return lines.map { value(at: $0) }.joined(separator: ", ")
    }

    /// How many fields are named `name` (ASCII case-insensitive); allocates nothing.
    public func count(of name: String) -> Int {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buf in
                fields.reduce(0) { count, field in
                    HTTPHeaders.equalsIgnoringCase(buf, field.nameStart..<field.nameEnd, wanted) ? count + 1 : count
                }
            }
        }
    }

    /// What a field that must appear at most once holds: nothing, one value (its bytes, not yet
    /// a `String`), or more than one field, which the caller refuses.
    public enum SingleField: Sendable {
        case absent
        case present(ArraySlice<UInt8>)
        case repeated
    }

    /// The value of the only field named `name` (ASCII case-insensitive), or whether there is
    /// none or more than one: one pass over the fields and no `String` (every authenticated
    /// request asks this). Not generic, so a caller in another module pays no type-metadata
    /// lookup for the result.
    public func singleField(_ name: String) -> SingleField {
        switch singleValueRange(name) {
        case .absent: .absent
        case .repeated: .repeated
        case .present(let range): .present(bytes[range])
        }
    }

    /// ``singleField(_:)`` with the value as its range in ``bytes``: for the parser, which reads
    /// it in place.
    func singleValueRange(_ name: String) -> SingleFieldRange {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buf in
                var first: Field?
                for field in fields where HTTPHeaders.equalsIgnoringCase(buf, field.nameStart..<field.nameEnd, wanted) {
                    if first != nil { return .repeated }
                    first = field
                }
                guard let first else { return .absent }
                return .present(first.valueStart..<first.valueEnd)
            }
        }
    }

    enum SingleFieldRange {
        case absent
        case present(Range<Int>)
        case repeated
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool {
        firstIndex(of: name) != nil
    }

    /// Whether `token` appears (ASCII case-insensitive) as an element of the comma-separated
    /// list formed by all fields named `name` (RFC 9110 §5.6.1), e.g. `close` in
    /// `Connection: keep-alive, Close`. Works on the bytes; makes no `String`.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        // Every request asks this (`Connection: close`), so the fields are scanned in place.
        var token = token
        var name = name
        return token.withUTF8 { wanted in
            name.withUTF8 { fieldName in
                bytes.withUnsafeBufferPointer { buf in
                    for field in fields where HTTPHeaders.equalsIgnoringCase(buf, field.nameStart..<field.nameEnd, fieldName) {
                        var start = field.valueStart
                        while start <= field.valueEnd {
                            var end = start
                            while end < field.valueEnd, buf[end] != UInt8(ascii: ",") { end += 1 }
                            if HTTPHeaders.equalsIgnoringCase(buf, HTTPHeaders.trimmed(buf, start..<end), wanted) { return true }
                            start = end + 1
                        }
                    }
                    return false
                }
            }
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(headers: self, index: 0)
    }

    /// Yields `(name, value)` pairs in the order received.
    public struct Iterator: IteratorProtocol {
        let headers: HTTPHeaders
        var index: Int

        public mutating func next() -> (name: String, value: String)? {
            guard index < headers.fields.count else { return nil }
            defer { index += 1 }
            return (headers.name(at: index), headers.value(at: index))
        }
    }

    /// Equal when the same names (compared case-insensitively) carry the same values in the same order.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count {
            guard lhs.name(at: index).lowercased() == rhs.name(at: index).lowercased(),
                lhs.value(at: index) == rhs.value(at: index)
            else { return false }
        }
        return true
    }

    // MARK: - Byte-level access for the parser

    func name(at index: Int) -> String {
        let field = fields[index]
        return String(decoding: bytes[field.nameStart..<field.nameEnd], as: UTF8.self)
    }

    func value(at index: Int) -> String {
        let field = fields[index]
        return String(decoding: bytes[field.valueStart..<field.valueEnd], as: UTF8.self)
    }

    func firstIndex(of name: String) -> Int? {
        // Hot path (every request looks up a few headers): compare in place, allocate nothing.
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buf in
                fields.firstIndex { field in
                    HTTPHeaders.equalsIgnoringCase(buf, field.nameStart..<field.nameEnd, wanted)
                }
            }
        }
    }

    func indices(of name: String) -> [Int] {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { buf in
                fields.indices.filter {
                    HTTPHeaders.equalsIgnoringCase(buf, fields[$0].nameStart..<fields[$0].nameEnd, wanted)
                }
            }
        }
    }

    /// Whether `buf[range]` equals `wanted`, ASCII letters compared case-insensitively.
    @inline(__always)
    static func equalsIgnoringCase(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ wanted: some Collection<UInt8>) -> Bool {
        guard range.count == wanted.count else { return false }
        var i = range.lowerBound
        for w in wanted {
            if buf[i].asciiLowercased != w.asciiLowercased { return false }
            i += 1
        }
        return true
    }

    /// `range` without leading and trailing SP / HTAB (OWS, RFC 9110 §5.6.3).
    static func trimmed(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound
        var end = range.upperBound
        while start < end, buf[start].isWhitespace { start += 1 }
        while end > start, buf[end - 1].isWhitespace { end -= 1 }
        return start..<end
    }

    // MARK: - Parsing field lines

    /// Parses field lines (RFC 9112 §5: `field-name ":" OWS field-value OWS`), each given as
    /// its range in `buf` without line terminator, and copies them into new storage.
    ///
    /// Rejected with `400`: a line starting with SP/HTAB (obs-fold, RFC 9112 §5.2); a missing
    /// colon; an empty name or one that is not a token (RFC 9110 §5.1), which includes
    /// whitespace before the colon (RFC 9112 §5.1); a CR, NUL or other control character
    /// except HTAB in the value (RFC 9110 §5.5, RFC 9112 §2.2). Bytes ≥ 0x80 (obs-text) are
    /// accepted in values.
    init(parsingLines lines: ArraySlice<Range<Int>>, in buf: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        guard let first = lines.first, let last = lines.last else {
            self.init()
            return
        }
        let base = first.lowerBound
        var fields: [Field] = []
        fields.reserveCapacity(lines.count)
        for line in lines {
            let start = line.lowerBound
            let end = line.upperBound
            if buf[start].isWhitespace { throw .badRequest("obs-fold in header section") }
            var colon = start
            while colon < end, buf[colon] != UInt8(ascii: ":") {
                guard buf[colon].isTokenChar else {
                    if buf[colon] == 0x0D { throw .badRequest("bare CR in header section") }
                    if buf[colon].isWhitespace {
                        throw .badRequest("whitespace in header name or before colon")
                    }
                    throw .badRequest("invalid header name")
                }
                colon += 1
            }
            guard colon < end else { throw .badRequest("header line without colon") }
            guard colon > start else { throw .badRequest("empty header name") }
            let value = HTTPHeaders.trimmed(buf, colon + 1..<end)
            for i in value {
                let byte = buf[i]
                if byte < 0x20 && byte != 0x09 || byte == 0x7F {
                    throw .badRequest(byte == 0x0D ? "bare CR in header value" : "control character in header value")
                }
            }
            fields.append(
                Field(
                    nameStart: start - base, nameEnd: colon - base,
                    valueStart: value.lowerBound - base, valueEnd: value.upperBound - base))
        }
        self.init(bytes: Array(buf[base..<last.upperBound]), fields: fields)
    }
}

extension UInt8 {
    /// RFC 9110 §5.6.2 `tchar`.
    @inline(__always)
    var isTokenChar: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// SP or HTAB.
    @inline(__always)
    var isWhitespace: Bool { self == 0x20 || self == 0x09 }

    @inline(__always)
    var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self | 0x20 : self }

    @inline(__always)
    var isDigit: Bool { self >= 0x30 && self <= 0x39 }

    /// The value of a hexadecimal digit, or `nil`.
    @inline(__always)
    var hexValue: Int? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(self - 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(self - 0x61 + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(self - 0x41 + 10)
        default: nil
        }
    }
}
