import JSON
import SQLite

/// Segments: saved customer filters (API.md §2, marketing and admin write). A segment is a
/// record of the records engine whose `rules` is a ``RuleTree``; `member_count` is computed when
/// it is read, so it is always current (null in a write's answer, and when counting would pass
/// the rule-tree budget), and its members are listed by running the tree.
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
                computed: { connection, row, writing in
                    // Counted on reads only, within a budget (``CustomerStore/ruleTreeBudget``):
                    // null in a write's answer and feed entry, and when the count would take longer.
                    guard !writing, let rules = rules(of: row) else { return [("member_count", .null)] }
                    return [("member_count", try customers.count(connection, matching: rules).map { .int(Int64($0)) } ?? .null)]
                }))
    }

    /// A segment write's answer (rendered on the writer, `member_count` null) with its members
    /// counted on `connection`, a reader, within the rule-tree budget: the writer never waits for
    /// a count, which a tree of many leaves over many customers can make take seconds.
    public static func countingMembers(_ body: [UInt8], _ connection: StoreConnection, customers: CustomerService) throws -> [UInt8] {
        let pending = Array(#","member_count":null}"#.utf8)
        guard body.count > pending.count, Array(body.suffix(pending.count)) == pending,
            let rules = (try? JSONParser.parse(body))?.objectValue?["rules"].flatMap({ try? RuleTree.parse($0, catalog: .customers) }),
            let count = try customers.count(connection, matching: rules)
        else { return body }
        return Array(body.dropLast("null}".utf8.count)) + Array("\(count)}".utf8)
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
