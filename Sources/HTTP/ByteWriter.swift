#if canImport(Glibc)
    import Glibc
#endif

/// Writes bytes into a buffer of known size with plain copies: what the response head and the
/// access-log line of every request are built with.
///
///     output.appendWriting(capacity: 64) { writer in
///         writer.write("Content-Length: ")
///         writer.writeDecimal(body.count)
///     }
///
/// `Array.append(contentsOf:)` checks capacity and uniqueness and goes through the generic
/// sequence copy on every call, several dozen instructions each time; a head is a dozen pieces.
/// Here each piece is a bounds check and a `memcpy`, and the array is appended to once.
/// Writing past the capacity is a bug in the caller's arithmetic and traps.
struct ByteWriter: ~Copyable {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0

    fileprivate init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(bytes.count <= capacity - count, "ByteWriter capacity exceeded")
        if let source = bytes.baseAddress { memcpy(base + count, source, bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    mutating func write(_ text: StaticString) {
        write(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A string's UTF-8, read from its own storage (no copy of the string, so no retain).
    @inline(__always)
    mutating func write(_ text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { write($0) }
        if written == nil {
            var text = text
            text.withUTF8 { write($0) }
        }
    }

    @inline(__always)
    mutating func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { write($0) }
    }

    @inline(__always)
    mutating func write(byte: UInt8) {
        precondition(count < capacity, "ByteWriter capacity exceeded")
        base[count] = byte
        count += 1
    }

    /// `value` (not negative) in decimal: at most 19 digits.
    mutating func writeDecimal(_ value: Int) {
        assert(value >= 0, "decimals written here are counts and statuses, never negative")
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            write(byte: UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }

    /// The UTF-8 byte count of `text`, for sizing a buffer (constant time for native strings).
    static func length(_ text: String) -> Int { text.utf8.count }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes, staged in a temporary buffer of `capacity` bytes (on the stack
    /// when it is small) and appended in one piece.
    mutating func appendWriting(capacity: Int, _ body: (inout ByteWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Swift.max(capacity, 1)) { buffer in
            var writer = ByteWriter(buffer)
            body(&writer)
            append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: writer.count))
        }
    }
}
