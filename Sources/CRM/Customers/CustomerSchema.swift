import SQLite

/// The customers resource: fields, list filters and sorts (API.md §2 "customers").
public enum CustomerSchema {
    public static let types = ["person", "company"]
    public static let companySizes = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
    public static let sources = ["web", "referral", "event", "ads", "social", "import", "other"]
    public static let lifecycleStages = ["lead", "prospect", "customer", "repeat", "loyal", "at_risk", "churned"]
    public static let tiers = ["standard", "important", "vip"]

    public static let schema = RecordSchema(
        recordType: "customer", table: "customers",
        fields: [
            FieldDefinition("type", .enumeration(types), required: true),
            FieldDefinition("name", .text(maxLength: 200), required: true, sortable: true),
            FieldDefinition("email", .email),
            FieldDefinition("phone", .phone),
            FieldDefinition("company", .text(maxLength: 200)),
            FieldDefinition("title", .text(maxLength: 200)),
            FieldDefinition("industry", .text(maxLength: 100)),
            FieldDefinition("country", .country),
            FieldDefinition("region", .text(maxLength: 100)),
            FieldDefinition("city", .text(maxLength: 100)),
            FieldDefinition("company_size", .enumeration(companySizes)),
            FieldDefinition("source", .enumeration(sources)),
            FieldDefinition("owner", .text(maxLength: 200)),
            FieldDefinition("tags", .tags, filterable: false),
            FieldDefinition("birthday", .date),
            FieldDefinition("marketing_opt_in", .boolean),
            FieldDefinition("attributes", .attributes, filterable: false),
            FieldDefinition("external_id", .text(maxLength: 200)),
            FieldDefinition("lifecycle_stage", .enumeration(lifecycleStages), writable: false),
            FieldDefinition("tier", .enumeration(tiers), writable: false),
            FieldDefinition("tier_override", .enumeration(tiers)),
            FieldDefinition("loyalty_points", .integer(minimum: 0, maximum: .max), writable: false),
        ])

    /// Read-only fields a client may not send: the schema's plus the computed ones.
    public static let computedNames: Set<String> = ["metrics", "merged_into"]

    /// Filters and sorts (`c` is the customers alias).
    public static let listFields: [ListField] = {
        var fields: [ListField] = [
            ListField("id", kind: .integer(minimum: 1, maximum: .max), filter: .expression("c.id"), sort: "c.id"),
            ListField(
                "tag", kind: .text(maxLength: 100),
                filter: .membership("EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag IN (%@))")),
            ListField("created_at", kind: .timestamp, filter: .expression("c.created_at"), sort: "c.created_at"),
            ListField("updated_at", kind: .timestamp, filter: .expression("c.updated_at"), sort: "c.updated_at"),
            ListField(
                "metrics.total_spent", kind: .integer(minimum: .min, maximum: .max), filter: .expression("c.total_spent"),
                sort: "c.total_spent"),
            ListField(
                "metrics.last_order_at", kind: .timestamp, filter: .expression("c.last_order_at"), sort: "coalesce(c.last_order_at, '')"),
            ListField("churn_risk", kind: .integer(minimum: 0, maximum: 100), filter: .expression("c.churn_score")),
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
