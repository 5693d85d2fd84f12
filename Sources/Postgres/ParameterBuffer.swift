/// A statement's bindings laid out as `PQexecPrepared` takes them: one contiguous buffer, and per
/// parameter a pointer into it (null for NULL), a length and a format code.
///
/// One buffer rather than one allocation per value, and every value NUL-terminated: text
/// parameters are C strings to libpq, and a zero-length bytea still needs a non-null pointer (a
/// null one would bind NULL).
struct ParameterBuffer {
    private var storage: [UInt8] = []
    private var offsets: [Int?] = []
    private var lengths: [Int32] = []
    /// 0 text, 1 binary (PostgresValue+Wire.swift says which value travels how).
    private var formats: [Int32] = []

    init(_ values: [PostgresValue], sql: String?) throws {
        offsets.reserveCapacity(values.count)
        lengths.reserveCapacity(values.count)
        formats.reserveCapacity(values.count)
        for value in values {
            guard let (bytes, isBinary) = try value.wireParameter(sql: sql) else {
                offsets.append(nil)
                lengths.append(0)
                formats.append(0)
                continue
            }
            guard let length = Int32(exactly: bytes.count) else {
                throw PostgresError(sqlState: "54000", message: "a parameter of \(bytes.count) bytes is too long", sql: sql)
            }
            offsets.append(storage.count)
            lengths.append(length)
            formats.append(isBinary ? 1 : 0)
            storage.append(contentsOf: bytes)
            storage.append(0)
        }
    }

    var count: Int32 { Int32(offsets.count) }

    /// Calls `body` with the three arrays libpq reads; the pointers are valid only inside it.
    func withLibPQArguments<T>(
        _ body: (_ values: [UnsafePointer<CChar>?], _ lengths: [Int32], _ formats: [Int32]) throws -> T
    ) rethrows -> T {
        try storage.withUnsafeBytes { buffer in
            let pointers = offsets.map { offset -> UnsafePointer<CChar>? in
                // Invariant: a non-nil offset means storage holds at least its terminator.
                offset.map { (buffer.baseAddress! + $0).assumingMemoryBound(to: CChar.self) }
            }
            return try body(pointers, lengths, formats)
        }
    }
}
