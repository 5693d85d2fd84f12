/// Writes RFC 4180 CSV rows: fields holding a comma, quote, line break or surrounding spaces are
/// quoted with inner quotes doubled; lines end with CRLF.
enum CSVWriter {
    static func appendRow(_ fields: [String], into output: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendField(field, into: &output)
        }
        endRow(&output)
    }

    static func endRow(_ output: inout [UInt8]) {
        output.append(13)
        output.append(10)
    }

    static func appendField(_ field: String, into output: inout [UInt8]) {
        // Bytes, not Characters: an export writes tens of millions of fields, and the first and
        // last Character of a String cost a grapheme-breaking pass each.
        var field = field
        field.withUTF8 { appendField($0, into: &output) }
    }

    /// Writes `bytes` as one field, after a `'` when `prefixed` (``CSVFormulaGuard``).
    static func appendField(_ bytes: UnsafeBufferPointer<UInt8>, prefixed: Bool = false, into output: inout [UInt8]) {
        let needsQuotes =
            (!prefixed && bytes.first == UInt8(ascii: " ")) || bytes.last == UInt8(ascii: " ")
            || bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
        guard needsQuotes else {
            if prefixed { output.append(UInt8(ascii: "'")) }
            output.append(contentsOf: bytes)
            return
        }
        output.append(UInt8(ascii: "\""))
        if prefixed { output.append(UInt8(ascii: "'")) }
        var runStart = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\"") {
            // The run up to and including the quote, then the quote again.
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...index]))
            output.append(UInt8(ascii: "\""))
            runStart = index + 1
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        output.append(UInt8(ascii: "\""))
    }
}
