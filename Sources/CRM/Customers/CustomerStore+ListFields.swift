/// The SQL each customer list filter and sort reads (alias `c`): part of the customer store,
/// kept apart because the list rules (names, kinds, normalisation) read best together.
extension CustomerSchema {
    /// `tag=` when the tags asked for are held by few customers (``CustomerStore``'s
    /// `plannedTags`): their ids are read through the tag index first, so a tag nobody has costs
    /// nothing, where testing every row for it read the whole table (a second per value on a
    /// million customers, on the event loop).
    static let rareTagField = ListField(
        "tag", kind: .text(maxLength: 100), filter: .membership("c.id IN (SELECT t.customer_id FROM customer_tags t WHERE t.tag IN (%@))"))

    /// Filters and sorts (`c` is the customers alias).
    public static let listFields: [ListField] = {
        var fields: [ListField] = [
            ListField("id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("c.id"), sort: "c.id"),
            // Tested row by row through the customer's own few tags (the tag column unindexed: by
            // the primary key, each value asked for was a seek on every row, 16 s for 300 values
            // on 200,000 customers); a rare tag is served by ``rareTagField`` instead.
            ListField(
                "tag", kind: .text(maxLength: 100),
                filter: .membership("EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND %unindexed(t.tag) IN (%@))")),
            ListField("created_at", kind: .timestamp, filter: .expression("c.created_at"), sort: "c.created_at"),
            ListField("updated_at", kind: .timestamp, filter: .expression("c.updated_at"), sort: "c.updated_at"),
            ListField(
                "metrics.total_spent", kind: .integer(minimum: .min, maximum: .max), filter: .expression("c.total_spent"),
                sort: "c.total_spent"),
            ListField(
                "metrics.last_order_at", kind: .timestamp, filter: .expression("c.last_order_at"), sort: "coalesce(c.last_order_at, '')"),
            ListField("churn_risk", kind: .integer(minimum: 0, maximum: 100), filter: .expression("c.churn_score")),
            // The read-only scalars a sync or an audit filters by (with include_deleted=true for
            // the first three): when a customer went, was merged or erased, and how often it changed.
            ListField("deleted_at", kind: .timestamp, filter: .expression("c.deleted_at")),
            ListField("merged_into", kind: .integer(minimum: 1, maximum: .max), filter: .expression("c.merged_into")),
            ListField("erased_at", kind: .timestamp, filter: .expression("c.erased_at")),
            ListField("version", kind: .integer(minimum: 1, maximum: .max), filter: .expression("c.version")),
        ]
        for field in schema.fields where field.filterable {
            switch field.name {
            case "email":
                fields.append(
                    ListField(
                        "email", kind: .text(maxLength: 320), filter: .expression("c.email_normalized"),
                        normalize: { EmailAddress.normalized($0) }))
            case "phone":
                fields.append(
                    ListField(
                        "phone", kind: .text(maxLength: 40), filter: .expression("c.phone_digits"), normalize: { PhoneNumber.digits($0) }))
            case "name":
                fields.append(ListField("name", kind: field.kind, filter: .expression("c.name"), sort: "c.name"))
            case "country":
                fields.append(ListField("country", kind: .country, filter: .expression("c.country")))
            case "account_id":
                // A company's id: positive, like every id filter.
                fields.append(ListField("account_id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("c.account_id")))
            default:
                fields.append(ListField(field.name, kind: field.kind, filter: .expression("c.\(field.column)")))
            }
        }
        return fields
    }()

    public static func listField(_ name: String) -> ListField? {
        listFields.first { $0.name == name }
    }
}
