/// Webhooks (API.md §2, admin only): `{url, events[], secret (shown once), enabled}`. Their
/// changes are audited but stay out of the change feed, which every role reads.
public enum WebhookSchema {
    public static let schema = RecordSchema(
        recordType: "webhook", table: "webhooks",
        fields: [
            FieldDefinition("url", .text(maxLength: 2000), required: true),
            FieldDefinition("events", .tags, required: true, filterable: false),
            FieldDefinition("enabled", .boolean),
        ],
        inFeed: false, alsoServerOwned: ["secret"])

    public static let listFields = RecordStore.listFields(schema)

    /// What a webhook may subscribe to: every change-feed type, the stage changes of
    /// opportunities, customers' erasures, automation events, or `*` for all of them.
    public static let events: Set<String> = {
        var events: Set<String> = ["*", "opportunity.stage_changed", CustomerErasure.eventType, "automation.fired"]
        for resource in ChangeFeed.resourceTypes {
            for action in ["created", "updated", "deleted"] { events.insert("\(resource).\(action)") }
        }
        return events
    }()

    /// The request flag that carries a new webhook's secret from the service to its rules.
    static let secretFlag = "__secret"
}
