import JSON
import SQLite

/// The customer a stored idempotent answer is about, noted beside it so that an erase finds the
/// answers holding that customer's data through an index (``CustomerErasure``): the customer in
/// the request's path (`/v1/customers/{id}/…`: points, merge, erase), else the customer the answer
/// shows (its `id` when it is a customer, its `customer_id` when it is a record of one, the
/// ticket's customer when it is a comment). Migration 0024 links older answers by the same rules.
enum IdempotencySubject {
    static func customerID(_ connection: StoreConnection, target: String?, body: [UInt8]) throws -> Int64? {
        if let target {
            let parts = target.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count >= 5, parts[1] == "v1", parts[2] == "customers", let id = Int64(parts[3]) { return id }
        }
        guard body.first == UInt8(ascii: "{"), case .object(let answer)? = try? JSONParser.parse(body) else { return nil }
        if let id = answer["customer_id"]?.intValue { return id }
        if answer["lifecycle_stage"] != nil { return answer["id"]?.intValue }
        if answer["author_type"] != nil, let ticket = answer["ticket_id"]?.intValue {
            return try RecordStore.customerID(connection, table: TicketSchema.schema.table, id: ticket)
        }
        return nil
    }
}
