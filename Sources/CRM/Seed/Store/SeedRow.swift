import SQLite

/// One activity row of the seed, generated ahead of the writer. Its leading foreign keys are
/// known only when it is written (the customer's new id, or the id of the row it belongs to), so
/// `values` holds the columns after them.
struct SeedRow: Sendable {
    let table: SeedTable
    let values: [SQLValue]
    /// Rows that belong to this one (a ticket's comments), written right after it.
    var children: [SeedRow] = []
}

/// The tables the seed fills besides customers, each with its insert statement.
enum SeedTable: Int, CaseIterable, Sendable {
    case order, loyalty, interaction, opportunity, stageHistory, ticket, comment, feedback, task

    /// Where a leading key comes from.
    enum Key {
        case customer, parent
    }

    var keys: [Key] {
        switch self {
        case .stageHistory: [.parent, .customer]
        case .comment: [.parent]
        default: [.customer]
        }
    }

    var sql: String {
        switch self {
        case .order:
            "INSERT INTO orders (customer_id, amount, currency, status, ordered_at, channel, items, created_at, updated_at) VALUES (?, ?, 'CNY', ?, ?, ?, ?, ?, ?)"
        case .loyalty:
            "INSERT INTO loyalty_ledger (customer_id, delta, reason, balance_after, created_at) VALUES (?, ?, ?, ?, ?)"
        case .interaction:
            "INSERT INTO interactions (customer_id, channel, direction, subject, occurred_at, duration_seconds, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        case .opportunity:
            """
            INSERT INTO opportunities (customer_id, name, pipeline_id, stage, amount, currency, probability, expected_close_date, owner, source,
                lost_reason, is_closed, is_won, closed_at, stage_entered_at, created_at, updated_at)
            VALUES (?, ?, 1, ?, ?, 'CNY', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        case .stageHistory:
            "INSERT INTO opportunity_stage_history (opportunity_id, customer_id, from_stage, to_stage, changed_at) VALUES (?, ?, ?, ?, ?)"
        case .ticket:
            """
            INSERT INTO tickets (customer_id, subject, description, status, priority, type, channel, assignee, tags, first_response_due_at,
                resolution_due_at, paused_since, first_response_at, solved_at, closed_at, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?, ?, ?)
            """
        case .comment:
            "INSERT INTO ticket_comments (ticket_id, author, author_type, body, public, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        case .feedback:
            "INSERT INTO feedback (customer_id, kind, score, comment, channel, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        case .task:
            "INSERT INTO tasks (customer_id, title, due_at, assignee, kind, status, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'manual', ?, ?)"
        }
    }
}

/// Writes seed rows on statements compiled once per transaction of the load.
final class SeedRowWriter {
    private let connection: Connection
    private let statements: [Statement]

    init(_ connection: Connection) throws {
        self.connection = connection
        statements = try SeedTable.allCases.map { try connection.prepare($0.sql) }
    }

    func write(_ row: SeedRow, customer: Int64, parent: Int64 = 0) throws {
        let statement = statements[row.table.rawValue]
        try statement.runBorrowing(row.table.keys.map { .integer($0 == .customer ? customer : parent) } + row.values)
        guard !row.children.isEmpty else { return }
        let id = connection.lastInsertRowID
        for child in row.children { try write(child, customer: customer, parent: id) }
    }
}
