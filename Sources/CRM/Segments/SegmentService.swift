import JSON
import SQLite

/// Segments: saved customer filters (API.md §2, marketing and admin write). A segment is a
/// record of the records engine whose `rules` is a ``RuleTree``; `member_count` is computed when
/// it is read, so it is always current, and its members are listed by running the tree.
public enum SegmentSchema {
    public static let schema = RecordSchema(
        recordType: "segment", table: "segments",
        fields: [
            FieldDefinition("name", .text(maxLength: 200), required: true, sortable: true),
            FieldDefinition("description", .text(maxLength: 2000), filterable: false),
            FieldDefinition("rules", .ruleTree, required: true, filterable: false),
        ])

    public static let listFields = RecordStore.listFields(schema)

    /// The service: the records engine with `member_count` computed on read.
    public static func service(customers: CustomerService) -> RecordService {
        RecordService(
            schema: schema,
            hooks: RecordHooks(
                schema: schema,
                prepare: { connection, values, _, _, _ in
                    // Every bad part of the tree at once, by its path (`rules.all[1].value`).
                    guard case .text(let text)? = values["rules"] else { return }
                    _ = try RuleTree.parse(try? JSONParser.parse(Array(text.utf8)), catalog: try .customers(connection))
                },
                computed: { connection, row in
                    guard let rules = rules(of: row) else { return [("member_count", .int(0))] }
                    return [("member_count", .int(Int64(try customers.count(connection, matching: rules))))]
                }))
    }

    /// The stored rule tree of a segment's row (checked when it was written).
    static func rules(of row: Row) -> RuleTree? {
        guard let text = row.string("rules"), let value = try? JSONParser.parse(Array(text.utf8)) else { return nil }
        return try? RuleTree.parse(value, catalog: .customers)
    }

    /// The rule tree of the live segment `id`, or nil when there is none.
    public static func rules(_ connection: StoreConnection, segment id: Int64) throws -> RuleTree? {
        try RecordStore(schema: schema).find(connection, id: id).flatMap(rules(of:))
    }
}
