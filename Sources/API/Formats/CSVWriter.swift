/// Writes RFC 4180 CSV rows: fields holding a comma, quote, line break or surrounding spaces are
/// quoted with inner quotes doubled; lines end with CRLF.
enum CSVWriter {
    static func appendRow(_ fields: [String], into output: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendField(field, into: &output)
        }
        output.append(13)
        output.append(10)
    }

    static func appendField(_ field: String, into output: inout [UInt8]) {
        // Bytes, not Characters: an export writes tens of millions of fields, and the first and
        // last Character of a String cost a grapheme-breaking pass each.
        var field = field
        field.withUTF8 { bytes in
            let needsQuotes =
                bytes.first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ")
                || bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }
            guard needsQuotes else {
                output.append(contentsOf: bytes)
                return
            }
            output.append(UInt8(ascii: "\""))
            for byte in bytes {
                if byte == UInt8(ascii: "\"") { output.append(byte) }
                output.append(byte)
            }
            output.append(UInt8(ascii: "\""))
        }
    }
}
