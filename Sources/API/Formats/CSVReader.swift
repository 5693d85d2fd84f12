/// Reads RFC 4180 CSV: comma-separated fields, `"`-quoted fields that may hold commas, quotes
/// (doubled) and line breaks, CRLF or LF line ends, an optional UTF-8 byte order mark.
/// Blank lines (empty, or only spaces and tabs) are skipped and not counted as rows.
///
///     let rows = try CSVReader.parse(bytes)   // [["name","email"], ["张伟","zw@example.cn"]]
enum CSVReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ bytes: [UInt8]) throws -> [[String]] {
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        guard String(validating: bytes[start...], as: UTF8.self) != nil else {
            throw Failure(description: "the CSV is not valid UTF-8")
        }
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var index = start
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1

        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        func endRow() {
            let quoted = fieldWasQuoted
            endField()
            // A blank line holds no record: empty, or (unquoted) only spaces and tabs, which an
            // editor leaves as easily as an empty one.
            let blank = row.count == 1 && (row[0].isEmpty || (!quoted && row[0].allSatisfy { $0 == " " || $0 == "\t" }))
            if !blank { rows.append(row) }
            row = []
        }

        while index < bytes.count {
            let byte = bytes[index]
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 2
                        continue
                    }
                    inQuotes = false
                } else {
                    if byte == 10 { line += 1 }
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\""):
                guard field.isEmpty && !fieldWasQuoted else {
                    throw Failure(description: "line \(line): a quote inside an unquoted field")
                }
                inQuotes = true
                fieldWasQuoted = true
            case 13:
                guard index + 1 < bytes.count, bytes[index + 1] == 10 else {
                    throw Failure(description: "line \(line): a bare carriage return")
                }
            case 10:
                endRow()
                line += 1
            default:
                guard !fieldWasQuoted else { throw Failure(description: "line \(line): text after a closing quote") }
                field.append(byte)
            }
            index += 1
        }
        if inQuotes { throw Failure(description: "line \(line): an unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted { endRow() }
        return rows
    }
}
