/// Orders (API.md §2): purchases that drive customer metrics, RFM, tier and lifecycle.
public enum OrderSchema {
    public static let statuses = ["paid", "refunded", "cancelled"]

    public static let schema = RecordSchema(
        recordType: "order", table: "orders",
        fields: [
            FieldDefinition("customer_id", .reference(table: "customers"), required: true),
            FieldDefinition("amount", .integer(minimum: 0, maximum: 1_000_000_000_000_000), required: true, sortable: true),
            FieldDefinition("currency", .currency, required: true),
            FieldDefinition("status", .enumeration(statuses)),
            FieldDefinition("ordered_at", .timestamp, required: true, sortable: true),
            FieldDefinition("channel", .text(maxLength: 100)),
            FieldDefinition("external_id", .text(maxLength: 200)),
            FieldDefinition("items", .lineItems, filterable: false),
        ])

    public static let listFields = RecordStore.listFields(schema)
}

/// Interactions (API.md §2): every touch with a customer.
public enum InteractionSchema {
    public static let channels = ["call", "email", "meeting", "sms", "chat", "social", "visit", "other"]

    public static let schema = RecordSchema(
        recordType: "interaction", table: "interactions",
        fields: [
            FieldDefinition("customer_id", .reference(table: "customers"), required: true),
            FieldDefinition("channel", .enumeration(channels), required: true),
            FieldDefinition("direction", .enumeration(["inbound", "outbound"])),
            FieldDefinition("subject", .text(maxLength: 500)),
            FieldDefinition("body", .text(maxLength: 20_000), filterable: false),
            FieldDefinition("occurred_at", .timestamp, required: true, sortable: true),
            FieldDefinition("duration_seconds", .integer(minimum: 0, maximum: 31_536_000)),
            FieldDefinition("owner", .text(maxLength: 200)),
            FieldDefinition("opportunity_id", .reference(table: "opportunities")),
            FieldDefinition("ticket_id", .reference(table: "tickets")),
        ])

    public static let listFields = RecordStore.listFields(schema)
}
