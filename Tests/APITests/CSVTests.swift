import CRM
import Foundation
import JSON
import SQLite
import XCTest

@testable import API

/// CSV for export and import: RFC 4180 reading, writing that reads back unchanged, and the
/// customers' CSV columns.
final class CSVTests: XCTestCase {
    // MARK: Helpers

    private func read(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [[String]]? {
        read(Array(text.utf8), file: file, line: line)
    }

    private func read(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [[String]]? {
        do {
            return try CSVReader.parse(bytes)
        } catch {
            XCTFail("refused \(String(decoding: bytes, as: UTF8.self).debugDescription): \(error)", file: file, line: line)
            return nil
        }
    }

    /// The reader's complaint about `bytes`, or a failure if it accepts them.
    private func failure(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let rows = try CSVReader.parse(bytes)
            XCTFail("accepted \(String(decoding: bytes, as: UTF8.self).debugDescription) as \(rows)", file: file, line: line)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    private func failure(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        failure(Array(text.utf8), file: file, line: line)
    }

    private func write(_ rows: [[String]]) -> [UInt8] {
        var output: [UInt8] = []
        for row in rows { CSVWriter.appendRow(row, into: &output) }
        return output
    }

    private func writeText(_ rows: [[String]]) -> String {
        String(decoding: write(rows), as: UTF8.self)
    }

    private func apiError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> APIError? {
        do {
            try body()
            XCTFail("accepted", file: file, line: line)
        } catch let error as APIError {
            return error
        } catch {
            XCTFail("expected an APIError, got \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: Reading

    /// An export writes each cell from the bytes SQLite holds, guarded and quoted in one pass:
    /// the same bytes as guarding the cell as a `String` and then quoting it, for cells that need
    /// either, both or neither, and the reader gets the cell back.
    func testACellWrittenFromBytesIsTheGuardedStringWritten() {
        let cells = [
            "", "plain", " lead", "trail ", "=1+1", "+86 138", "-5", "@sum", "\t=x", "\r=x", "'=x", "''@y", "=a,b", "= x ",
            "say \"hi\"", "=\"q\"", "line\nbreak", "+a\r\nb", "a,b", "中文,=", "'plain",
        ]
        for cell in cells {
            var fromString: [UInt8] = []
            CSVWriter.appendField(CSVFormulaGuard.neutralized(cell), into: &fromString)
            var fromBytes: [UInt8] = []
            var text = cell
            text.withUTF8 { CSVWriter.appendField($0, prefixed: CSVFormulaGuard.needsPrefix($0), into: &fromBytes) }
            XCTAssertEqual(fromBytes, fromString, cell.debugDescription)
            // A row of one empty cell is an empty line, which a reader takes for no row.
            guard !cell.isEmpty else { continue }
            CSVWriter.endRow(&fromBytes)
            XCTAssertEqual(read(fromBytes).flatMap(\.first).map { $0.map(CSVFormulaGuard.restored) }, [cell], cell.debugDescription)
        }
    }

    func testReadsPlainRows() {
        XCTAssertEqual(read("name,email\nAnn,ann@example.com\n"), [["name", "email"], ["Ann", "ann@example.com"]])
        XCTAssertEqual(read("a"), [["a"]])
        XCTAssertEqual(read(""), [])
    }

    func testEmptyFieldsAreKept() {
        XCTAssertEqual(read("a,,c\n"), [["a", "", "c"]])
        XCTAssertEqual(read("a,\n"), [["a", ""]])
        XCTAssertEqual(read(",a\n"), [["", "a"]])
        XCTAssertEqual(read(",\n"), [["", ""]], "a line of only commas is not blank")
        XCTAssertEqual(read("a,\"\"\n"), [["a", ""]])
    }

    func testQuotedFieldsHoldCommasQuotesAndLineBreaks() {
        XCTAssertEqual(read("\"Acme, Ltd\",x\n"), [["Acme, Ltd", "x"]])
        XCTAssertEqual(read("\"say \"\"hi\"\"\",x\n"), [["say \"hi\"", "x"]])
        XCTAssertEqual(read("\"\"\"\"\n"), [["\""]])
        XCTAssertEqual(read("\"line 1\nline 2\",x\n"), [["line 1\nline 2", "x"]])
        XCTAssertEqual(read("\"line 1\r\nline 2\",x\r\n"), [["line 1\r\nline 2", "x"]], "a CRLF inside quotes is data")
        XCTAssertEqual(read("\"a\rb\"\n"), [["a\rb"]], "a bare CR inside quotes is data")
        XCTAssertEqual(read("\" padded \",x"), [[" padded ", "x"]])
        XCTAssertEqual(read("\"\n\n\"\n"), [["\n\n"]], "blank lines inside quotes are data")
    }

    func testUnquotedSpacesAreData() {
        XCTAssertEqual(read(" a , b \n"), [[" a ", " b "]])
    }

    func testCRLFAndLFLineEndsAreBothAccepted() {
        let expected = [["a", "b"], ["1", "2"], ["3", "4"]]
        XCTAssertEqual(read("a,b\r\n1,2\r\n3,4\r\n"), expected)
        XCTAssertEqual(read("a,b\n1,2\n3,4\n"), expected)
        XCTAssertEqual(read("a,b\r\n1,2\n3,4"), expected, "mixed")
    }

    func testByteOrderMarkIsSkipped() {
        XCTAssertEqual(
            read([0xEF, 0xBB, 0xBF] + Array("name,email\r\n张伟,zw@example.cn\r\n".utf8)), [["name", "email"], ["张伟", "zw@example.cn"]])
        XCTAssertEqual(read([0xEF, 0xBB, 0xBF]), [])
        XCTAssertEqual(read("a,\u{FEFF}b"), [["a", "\u{FEFF}b"]], "only a leading BOM is special")
    }

    func testTrailingNewlineAddsNoRow() {
        XCTAssertEqual(read("a\r\n"), [["a"]])
        XCTAssertEqual(read("a\n"), [["a"]])
        XCTAssertEqual(read("a"), [["a"]])
        XCTAssertEqual(read("a,\"b\""), [["a", "b"]], "a last quoted field without newline")
    }

    func testBlankLinesAreSkipped() {
        XCTAssertEqual(read("a\n\nb\r\n\r\n\nc\n\n"), [["a"], ["b"], ["c"]])
        XCTAssertEqual(read("\n\r\n"), [])
        // Only spaces and tabs is blank too (an editor leaves those as easily); quoted, it is data.
        XCTAssertEqual(read("a\n   \nb\n\t \r\nc"), [["a"], ["b"], ["c"]])
        XCTAssertEqual(read("a\n\"  \"\n"), [["a"], ["  "]])
    }

    func testChineseAndOtherUnicodeTextIsReadAsIs() {
        XCTAssertEqual(
            read("姓名,公司,标签\n张伟,\"华信科技有限公司，上海\",\"[\"\"vip\"\",\"\"重点客户\"\"]\"\n김민수,東京タワー,😀\n"),
            [["姓名", "公司", "标签"], ["张伟", "华信科技有限公司，上海", "[\"vip\",\"重点客户\"]"], ["김민수", "東京タワー", "😀"]])
    }

    func testUnterminatedQuoteIsRefused() throws {
        let message = try XCTUnwrap(failure("a,\"open\nstill open"))
        XCTAssertTrue(message.contains("unterminated"), message)
        XCTAssertNotNil(failure("\""))
    }

    func testQuoteInsideAnUnquotedFieldIsRefused() throws {
        let message = try XCTUnwrap(failure("ab\"c\"\n"))
        XCTAssertTrue(message.contains("quote inside an unquoted field"), message)
        XCTAssertNotNil(failure("a b\""))
    }

    func testTextAfterAClosingQuoteIsRefused() throws {
        let message = try XCTUnwrap(failure("\"ab\"c,d\n"))
        XCTAssertTrue(message.contains("text after a closing quote"), message)
        XCTAssertNotNil(failure("\"ab\" ,d\n"), "not even a space")
        XCTAssertNotNil(failure("\"a\"\"b\"\"\"x"))
        XCTAssertNotNil(failure("\"ab\"\"\n"), "an odd quote at the end leaves the field open")
    }

    func testBareCarriageReturnIsRefused() throws {
        let message = try XCTUnwrap(failure("a\rb\n"))
        XCTAssertTrue(message.contains("bare carriage return"), message)
        XCTAssertNotNil(failure("a\r"), "a CR at the very end")
        XCTAssertNotNil(failure("a,b\r\r\n"))
    }

    func testInvalidUTF8IsRefused() throws {
        let message = try XCTUnwrap(failure([UInt8(ascii: "a"), UInt8(ascii: ","), 0xFF, 10]))
        XCTAssertTrue(message.contains("UTF-8"), message)
        XCTAssertNotNil(failure([0xE5, 0xBC]), "a truncated sequence")
        XCTAssertNotNil(failure([0xC0, 0xAF]), "an overlong encoding")
        XCTAssertNotNil(failure([0xEF, 0xBB, 0xBF, 0xFE]), "after a BOM")
        XCTAssertNotNil(failure([UInt8(ascii: "\""), 0xED, 0xA0, 0x80, UInt8(ascii: "\"")]), "a surrogate inside quotes")
    }

    func testErrorsNameTheirLine() throws {
        let message = try XCTUnwrap(failure("a\nb\n\"x\"y\n"))
        XCTAssertTrue(message.contains("line 3"), message)
        let quoted = try XCTUnwrap(failure("\"multi\nline\",ok\nbad\"\n"))
        XCTAssertTrue(quoted.contains("line 3"), "lines inside quotes count: \(quoted)")
    }

    // MARK: Writing

    func testWriterQuotesOnlyWhenNeededAndEndsLinesWithCRLF() {
        XCTAssertEqual(writeText([["a", "b"], ["张伟", "1"]]), "a,b\r\n张伟,1\r\n")
        XCTAssertEqual(writeText([["a,b"]]), "\"a,b\"\r\n")
        XCTAssertEqual(writeText([["say \"hi\""]]), "\"say \"\"hi\"\"\"\r\n")
        XCTAssertEqual(writeText([["x\ny"]]), "\"x\ny\"\r\n")
        XCTAssertEqual(writeText([["x\ry"]]), "\"x\ry\"\r\n")
        XCTAssertEqual(writeText([[" lead", "trail ", "in side"]]), "\" lead\",\"trail \",in side\r\n")
        XCTAssertEqual(writeText([["", "", ""]]), ",,\r\n")
    }

    func testAwkwardFieldsSurviveAWriteAndARead() {
        let awkward = [
            "", " ", "  ", ",", ",,", "\"", "\"\"", "\"quoted\"", "a\"b", "line\nbreak", "cr\rinside", "crlf\r\nend", "\r\n", "\n",
            " lead", "trail ", "\t", "tab\tinside", "张伟,华信", "华信科技有限公司", "😀👍🏽", "\u{FEFF}bom", "=1+2", "a;b;c", "[\"vip\",\"重点客户\"]",
            "{\"a\":1}", "\\", "'single'", "\u{3000}全角\u{3000}", "é", "e\u{301}",
        ]
        // One field per row (with a marker so no row is blank), and all in one row.
        let rows = awkward.map { ["#", $0] } + [awkward]
        XCTAssertEqual(read(write(rows)), rows)
        // A leading U+FEFF would be read as the byte order mark, so it is tested after a comma only.
        for field in awkward where !field.hasPrefix("\u{FEFF}") {
            XCTAssertEqual(read(write([[field, field]])), [[field, field]], field.debugDescription)
        }
    }

    func testARowOfManyFieldsAndManyRowsRoundTrip() {
        var rows: [[String]] = []
        for index in 0..<300 {
            rows.append(
                (0..<12).map { column in
                    switch (index + column) % 5 {
                    case 0: return "plain\(index)"
                    case 1: return "with, comma \(column)"
                    case 2: return "多行\n文本\(index)"
                    case 3: return "\"\(column)\""
                    default: return ""
                    }
                })
        }
        XCTAssertEqual(read(write(rows)), rows)
        XCTAssertEqual(read([0xEF, 0xBB, 0xBF] + write(rows)), rows, "with a BOM as spreadsheets write it")
    }

    // MARK: Customer CSV

    func testHeaderIsIDThenWritableFieldsThenReadOnlyColumns() {
        XCTAssertEqual(CustomerCSV.header.first, "id")
        XCTAssertEqual(
            Array(CustomerCSV.header.dropFirst().prefix(CustomerCSV.writableColumns.count)),
            CustomerSchema.schema.writableFields.map(\.name))
        XCTAssertEqual(
            Array(CustomerCSV.header.suffix(7)),
            ["lifecycle_stage", "tier", "loyalty_points", "created_at", "updated_at", "deleted_at", "merged_into"])
        XCTAssertEqual(Set(CustomerCSV.header).count, CustomerCSV.header.count, "no column twice")
        XCTAssertNoThrow(try CustomerCSV.validateHeader(CustomerCSV.header), "an export's header imports")
    }

    func testHeaderAcceptsAnySubsetInAnyOrder() {
        XCTAssertNoThrow(try CustomerCSV.validateHeader(["name", "type"]))
        XCTAssertNoThrow(try CustomerCSV.validateHeader(["email", "name", "type", "tags", "version", "deleted_at", "id"]))
        XCTAssertNoThrow(try CustomerCSV.validateHeader([]))
    }

    func testHeaderRefusesAnUnknownColumnAsAnUnknownField() {
        for column in ["nickname", "Name", " name", "metrics", "erased_at", ""] {
            guard let error = apiError({ try CustomerCSV.validateHeader(["type", "name", column]) }) else { continue }
            XCTAssertEqual(error.status, 422, column)
            XCTAssertEqual(error.errors.map(\.code), ["unknown_field"], column)
            XCTAssertEqual(error.errors.map(\.field), [column], column)
        }
        let every = apiError({ try CustomerCSV.validateHeader(["nickname", "type", "colour", "name"]) })
        XCTAssertEqual(every?.errors.map(\.field), ["nickname", "colour"], "every unknown column at once")
    }

    func testHeaderRefusesADuplicateColumn() {
        guard let error = apiError({ try CustomerCSV.validateHeader(["type", "name", "email", "name"]) }) else { return }
        XCTAssertEqual(error.status, 400)
        XCTAssertEqual(error.errors.map(\.code), ["duplicate_column"])
        XCTAssertEqual(error.errors.map(\.field), ["name"])
        XCTAssertNotNil(apiError({ try CustomerCSV.validateHeader(["id", "id"]) }), "ignored columns may not repeat either")
    }

    func testCellsBecomeTheSingleRecordJSON() {
        let header = ["id", "type", "name", "email", "marketing_opt_in", "tags", "attributes", "tier", "created_at", "city"]
        let cells = [
            "17", "person", "张伟", "zw@example.cn", "yes", "[\"vip\",\"重点客户\"]", "{\"wechat\":\"zw88\",\"score\":3}", "vip",
            "2026-01-01T00:00:00.000Z", "",
        ]
        let object = CustomerCSV.object(header: header, cells: cells)
        XCTAssertEqual(
            object,
            [
                "type": "person", "name": "张伟", "email": "zw@example.cn", "marketing_opt_in": true, "tags": ["vip", "重点客户"],
                "attributes": ["wechat": "zw88", "score": 3],
            ],
            "id and read-only columns are dropped; empty cells are not given")
    }

    func testBooleanCells() {
        for (text, expected) in [
            ("true", JSONValue.bool(true)), ("TRUE", true), ("1", true), ("yes", true), ("Yes", true), ("false", false), ("0", false),
            ("no", false), ("NO", false),
        ] {
            XCTAssertEqual(CustomerCSV.object(header: ["marketing_opt_in"], cells: [text])["marketing_opt_in"], expected, text)
        }
        // Anything else stays text, so validation reports it as the wrong type.
        XCTAssertEqual(CustomerCSV.object(header: ["marketing_opt_in"], cells: ["maybe"])["marketing_opt_in"], "maybe")
    }

    func testTagCellsTakeJSONOrSemicolonLists() {
        XCTAssertEqual(CustomerCSV.object(header: ["tags"], cells: ["vip;trial;重点客户"])["tags"], ["vip", "trial", "重点客户"])
        XCTAssertEqual(CustomerCSV.object(header: ["tags"], cells: ["vip"])["tags"], ["vip"])
        XCTAssertEqual(CustomerCSV.object(header: ["tags"], cells: ["[\"a;b\"]"])["tags"], ["a;b"])
        XCTAssertEqual(CustomerCSV.object(header: ["tags"], cells: ["[]"])["tags"], [])
    }

    func testBadAttributesCellStaysTextForValidationToRefuse() throws {
        let object = CustomerCSV.object(header: ["type", "name", "attributes"], cells: ["person", "A", "{not json"])
        XCTAssertEqual(object["attributes"], "{not json")
        XCTAssertThrowsError(try RecordInput.parse(object, schema: CustomerSchema.schema, mode: .create)) { error in
            guard case CRMError.validation(let issues) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issues.map(\.code), ["invalid_type"])
        }
    }

    func testShortRowsLeaveMissingCellsOut() {
        XCTAssertEqual(CustomerCSV.object(header: ["type", "name", "email"], cells: ["person"]), ["type": "person"])
    }

    func testAnExportedCustomerImportsAsItWas() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try Database.open(path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 1)
        defer { database.close() }

        let body = try XCTUnwrap(
            try JSONParser.parse(
                """
                {"type":"person","name":"张伟","email":"zw@example.cn","phone":"+86 138 0013 8000","company":"华信科技有限公司, 上海",
                 "city":"上海","tags":["vip","重点客户"],"birthday":"1988-08-08","marketing_opt_in":false,
                 "attributes":{"note":"line 1\\nline \\"2\\"","score":7},"external_id":"ERP-1","tier_override":"vip"}
                """
            ).objectValue)
        let changes = try RecordInput.parse(body, schema: CustomerSchema.schema, mode: .create)
        let service = CustomerService(baseCurrency: "CNY")
        let row = try database.writeAndWait {
            try service.create($0, changes, actor: nil, now: Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!)
        }

        // The row as an export hands it out.
        let page = ListRequest(sortField: try XCTUnwrap(CustomerSchema.listField("id")))
        var csv = write([CustomerCSV.header])
        _ = try service.forEachExported(database, page) { CustomerCSV.appendRow($0, into: &csv) }
        let parsed = try XCTUnwrap(read(csv))
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[1].count, CustomerCSV.header.count)
        XCTAssertEqual(parsed[1].first, String(row.int64("id") ?? 0))
        XCTAssertEqual(write(parsed), csv, "the row was written as RFC 4180 writes its cells")
        XCTAssertNoThrow(try CustomerCSV.validateHeader(parsed[0]))
        let imported = CustomerCSV.object(header: parsed[0], cells: parsed[1])
        XCTAssertEqual(imported, body, "every writable field comes back as it was sent")
        let reparsed = try RecordInput.parse(imported, schema: CustomerSchema.schema, mode: .create)
        XCTAssertEqual(reparsed.entries.map(\.field.name), changes.entries.map(\.field.name))
        for (field, _) in changes.entries {
            XCTAssertEqual(reparsed.value(for: field.name), changes.value(for: field.name), field.name)
        }
    }
}
