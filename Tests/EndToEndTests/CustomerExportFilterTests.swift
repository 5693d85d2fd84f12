import Foundation
import XCTest

/// `GET /v1/customers/export` takes exactly the list's filters (API.md: export "(+ list
/// filters)"; "filters accept attributes.<key> with the defined type"): the same customers as
/// `GET /v1/customers` with the same query, in CSV and in NDJSON, and the same refusals.
final class CustomerExportFilterTests: CustomerTestCase {
    private var gold = 0
    private var platinum = 0
    private var none = 0

    override func setUpWithError() throws {
        try super.setUpWithError()
        for field: [String: Any] in [
            ["key": "vip_level", "label": "VIP level", "type": "enum", "options": ["gold", "platinum"]],
            ["key": "renewal", "label": "Renewal", "type": "date"],
            ["key": "seats", "label": "Seats", "type": "integer"],
        ] {
            let reply = try api.send("POST", "/v1/fields", json: field)
            XCTAssertEqual(reply.status, 201, reply.text)
        }
        gold = try api.createPerson("Gold", ["attributes": ["vip_level": "gold", "renewal": "2026-12-05", "seats": 9]])
        platinum = try api.createPerson("Platinum", ["attributes": ["vip_level": "platinum", "renewal": "2027-03-01", "seats": 40]])
        none = try api.createPerson("Plain", ["country": "CN"])
    }

    /// The ids an export with `query` holds, in the given format, checking it answered 200.
    private func exportIDs(_ format: String, _ query: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws
        -> [Int]
    {
        let reply = try api.send("GET", "/v1/customers/export" + queryString([("format", format)] + query))
        XCTAssertEqual(reply.status, 200, "\(format) \(query): \(reply.text)", file: file, line: line)
        if format == "csv" {
            let rows = CSVText.parse(reply.text)
            XCTAssertEqual(rows.first?.first, "id", file: file, line: line)
            return rows.dropFirst().compactMap { $0.first.flatMap { Int($0) } }
        }
        return try reply.text.split(separator: "\n").map { line in
            try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? Int)
        }
    }

    func testAttributeFiltersOfDefinedFieldsSelectWhatTheListSelects() throws {
        let cases: [([(String, String)], [Int])] = [
            ([("attributes.vip_level", "gold")], [gold]),
            ([("attributes.vip_level", "gold,platinum")], [gold, platinum]),
            // As in every list filter, ne also selects those without the value.
            ([("attributes.vip_level[ne]", "gold")], [platinum, none]),
            ([("attributes.renewal[gte]", "2026-12-01"), ("attributes.renewal[lte]", "2026-12-31")], [gold]),
            ([("attributes.seats[gt]", "10")], [platinum]),
            ([("attributes.vip_level", "gold"), ("name", "Gold")], [gold]),
            ([("attributes.vip_level", "platinum"), ("country", "CN")], []),
        ]
        for (query, expected) in cases {
            XCTAssertEqual(try api.allIDs(query).sorted(), expected.sorted(), "list \(query)")
            XCTAssertEqual(try exportIDs("csv", query).sorted(), expected.sorted(), "csv \(query)")
            XCTAssertEqual(try exportIDs("ndjson", query).sorted(), expected.sorted(), "ndjson \(query)")
        }
        XCTAssertEqual(try exportIDs("ndjson", []).sorted(), [gold, platinum, none].sorted())
    }

    func testAnExportRefusesWhatTheListRefuses() throws {
        for query in [
            [("attributes.undefined_key", "x")],  // no definition: no type to read it by
            [("attributes.vip_level", "silver")],  // not one of the options
            [("attributes.seats[gt]", "many")],  // not an integer
            [("attributes.vip_level[like]", "gold")],  // no such operator
        ] {
            let list = try api.send("GET", "/v1/customers" + queryString(query))
            XCTAssertEqual(list.status, 400, "list \(query): \(list.text)")
            for format in ["csv", "ndjson"] {
                let export = try api.send("GET", "/v1/customers/export" + queryString([("format", format)] + query))
                XCTAssertEqual(export.status, 400, "\(format) \(query): \(export.text)")
                XCTAssertEqual(
                    try export.json()["code"] as? String, try list.json()["code"] as? String, "\(format) \(query): \(export.text)")
            }
        }
    }
}
