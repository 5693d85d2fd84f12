import JSON
import SQLite

/// A customer's loyalty ledger (`GET/POST /v1/customers/{id}/points`, API.md §2 "customers"):
/// each entry moves the customer's `loyalty_points` by a non-zero `delta` for a `reason` and
/// records the balance after it. The balance never goes below zero: an entry that would take it
/// there is a `409` and writes nothing.
///
/// Why concurrent redemptions cannot overdraw: ``add(_:customerID:_:actor:now:)`` runs on the
/// database writer, the only connection that writes, so reading the balance, checking it and
/// writing the entry and the new balance happen in one transaction that no other write
/// interleaves with; the next redemption sees this one's balance.
///
///     let input = try LoyaltyLedger.parse(body)  // the 422s, before the writer
///     let entry = try ledger.add(connection, customerID: 7, input, actor: keyID, now: now)
///     entry.balanceAfter  // the customer's new loyalty_points
public struct LoyaltyLedger: Sendable {
    /// The largest `|delta|` one entry may carry.
    public static let maximumDelta: Int64 = 1_000_000_000
    public static let maximumReasonLength = 200
    static let fields: Set<String> = ["delta", "reason"]
    /// Server-owned members of an entry: sending one is `read_only`, not `unknown_field`.
    static let readOnly: Set<String> = RecordSchema.serverOwned.union(["balance_after", "customer_id"])

    /// A validated request body.
    public struct Input: Sendable, Equatable {
        public let delta: Int64
        public let reason: String
    }

    let customers: CustomerService

    public init(customers: CustomerService) {
        self.customers = customers
    }

    /// Checks a `POST` body, reporting every invalid field at once: `delta` is a non-zero
    /// integer with `|delta|` ≤ ``maximumDelta`` (not `1.5`, `1.0`, `"5"` or `true`); `reason` is
    /// required text of at most ``maximumReasonLength`` characters after trimming, without
    /// control characters (``TextRules``); nothing else is accepted.
    public static func parse(_ object: JSONObject) throws(CRMError) -> Input {
        var issues: [FieldIssue] = []
        for key in object.keys where !fields.contains(key) {
            issues.append(FieldIssue(key, readOnly.contains(key) ? "read_only" : "unknown_field", "no such field"))
        }
        var delta: Int64 = 0
        switch object["delta"] {
        case nil, .null?:
            issues.append(FieldIssue("delta", "required", "a non-zero integer number of points: positive earns, negative redeems"))
        case .int(let number)?:
            if number == 0 || number < -maximumDelta || number > maximumDelta {
                issues.append(
                    FieldIssue("delta", "out_of_range", "a non-zero integer from -\(maximumDelta) to \(maximumDelta)"))
            } else {
                delta = number
            }
        case .some:
            issues.append(FieldIssue("delta", "invalid_type", "must be a non-zero integer"))
        }
        let reason = FieldValue.requiredText(
            object["reason"], field: "reason", maxLength: maximumReasonLength,
            required: "a non-empty reason of at most \(maximumReasonLength) characters", issues: &issues)
        if !issues.isEmpty { throw .validation(issues) }
        return Input(delta: delta, reason: reason)
    }

    /// Adds an entry to the live customer's ledger and moves its `loyalty_points` to the new
    /// balance, through the customer write flow: the customer's version and `updated_at` move,
    /// the change feed gets `customer.updated` and the audit log `loyalty_points` before and
    /// after, all in the caller's (the writer's) transaction.
    ///
    /// - Throws: ``CRMError/notFound(_:)`` for an unknown or deleted customer;
    ///   ``CRMError/conflict(_:_:)`` (`insufficient_balance` on `delta`) when the balance would go
    ///   below zero. Either way nothing is written.
    public func add(_ connection: StoreConnection, customerID: Int64, _ input: Input, actor: Int64?, now: Timestamp) throws -> LoyaltyEntry
    {
        let flow = customers.flow
        let before = try flow.current(connection, id: customerID, ifMatch: nil)
        let balance = before.int64("loyalty_points") ?? 0
        let (after, overflow) = balance.addingReportingOverflow(input.delta)
        if overflow {
            throw CRMError.conflict(
                "the balance would exceed the largest storable balance",
                [FieldIssue("delta", "out_of_range", "the balance is \(balance) points; adding \(input.delta) would overflow it")])
        }
        if after < 0 {
            throw CRMError.conflict(
                "the loyalty balance cannot go below zero",
                [
                    FieldIssue(
                        "delta", "insufficient_balance",
                        "the balance is \(balance) points; a delta of \(input.delta) would take it to \(after)")
                ])
        }
        var entryID: Int64 = 0
        _ = try flow.update(connection, before: before, actor: actor, now: now) {
            entryID = try LoyaltyLedgerStore.insert(
                connection, customerID: customerID, delta: input.delta, reason: input.reason, balanceAfter: after, actor: actor, now: now)
            // Logged by the flow (feed and audit, with the actor), not by the derived-update path.
            _ = try CustomerStore.updateDerived(
                connection, before: before, [("loyalty_points", .integer(after))], renderer: customers.renderer, now: now,
                recordChange: false)
            return true
        }
        return LoyaltyEntry(
            id: entryID, customerID: customerID, delta: input.delta, reason: input.reason, balanceAfter: after, createdAt: now.rfc3339)
    }

    /// A page of the live customer's entries, newest first, below `beforeID` (from the newest
    /// when nil); nil when there is no such customer.
    public func page(_ connection: StoreConnection, customerID: Int64, beforeID: Int64?, limit: Int) throws -> [RenderedEntry]? {
        guard try customers.exists(connection, id: customerID) else { return nil }
        return try LoyaltyLedgerStore.list(connection, customerID: customerID, beforeID: beforeID, limit: limit).map {
            LoyaltyEntry(row: $0).rendered
        }
    }
}
