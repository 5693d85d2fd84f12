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
            // A person's company (accounts and contacts); always null on a company.
            FieldDefinition("account_id", .reference(table: "customers")),
            FieldDefinition("lifecycle_stage", .enumeration(lifecycleStages), writable: false),
            FieldDefinition("tier", .enumeration(tiers), writable: false),
            FieldDefinition("tier_override", .enumeration(tiers)),
            FieldDefinition("loyalty_points", .integer(minimum: 0, maximum: .max), writable: false),
        ],
        // Members of a customer's JSON that are no field: sent, they are `read_only` like
        // `lifecycle_stage`, not `unknown_field` (conventions.md).
        alsoServerOwned: ["metrics", "merged_into", "erased_at", "erase_reason"])
}
