import SQLite

/// The SQL of RFM scoring: the population ranked by quintile in one statement.
enum CustomerScoringStore {
    /// Every customer with paid orders: `customer_id, paid, f, last_at, r_score, f_score,
    /// m_score` as ranked now, then the stored `rfm_r, rfm_f, rfm_m, tier, tier_override,
    /// lifecycle_stage` (columns 0-12, in that order). `body` returns false to stop.
    static func forEachScored(
        _ connection: StoreConnection, now: Timestamp, yearAgo: String, _ body: (StoreRow) throws -> Bool
    ) throws {
        try connection.forEachRowView(
            """
            WITH stats AS (
                SELECT o.customer_id,
                       \(connection.dialect.integerPart("julianday(?1) - julianday(max(o.ordered_at))")) AS days,
                       sum(CASE WHEN o.ordered_at > ?2 THEN 1 ELSE 0 END) AS f,
                       sum(CASE WHEN o.ordered_at > ?2 THEN o.amount ELSE 0 END) AS m,
                       count(*) AS paid, max(o.ordered_at) AS last_at
                FROM orders o JOIN customers c ON c.id = o.customer_id AND c.deleted_at IS NULL
                WHERE o.status = 'paid' AND o.deleted_at IS NULL
                GROUP BY o.customer_id
            ),
            scored AS (
                SELECT customer_id, paid, f, last_at,
                       1 + \(connection.dialect.least("4", "(rank() OVER (ORDER BY days DESC) - 1) * 5 / count(*) OVER ()")) AS r_score,
                       1 + \(connection.dialect.least("4", "(rank() OVER (ORDER BY f) - 1) * 5 / count(*) OVER ()")) AS f_score,
                       1 + \(connection.dialect.least("4", "(rank() OVER (ORDER BY m) - 1) * 5 / count(*) OVER ()")) AS m_score
                FROM stats
            )
            SELECT s.customer_id, s.paid, s.f, s.last_at, s.r_score, s.f_score, s.m_score,
                   c.rfm_r, c.rfm_f, c.rfm_m, c.tier, c.tier_override, c.lifecycle_stage
            FROM scored s JOIN customers c ON c.id = s.customer_id
            """, [.text(now.rfc3339), .text(yearAgo)], body)
    }

    /// The ids of live customers that have a score (column 0).
    static func forEachScoredCustomer(_ connection: StoreConnection, _ body: (StoreRow) throws -> Bool) throws {
        try connection.forEachRowView("SELECT id FROM customers WHERE rfm_score IS NOT NULL AND deleted_at IS NULL", [], body)
    }

    /// One statement for a bulk load (seed): scores and tiers without feed entries or version
    /// bumps, for rows nobody has seen yet. Lifecycle was derived with the rows.
    static func bulkRescore(_ connection: StoreConnection, now: Timestamp, yearAgo: String) throws -> Int {
        try connection.run(
            """
            WITH stats AS (
                SELECT o.customer_id,
                       \(connection.dialect.integerPart("julianday(?1) - julianday(max(o.ordered_at))")) AS days,
                       sum(CASE WHEN o.ordered_at > ?2 THEN 1 ELSE 0 END) AS f,
                       sum(CASE WHEN o.ordered_at > ?2 THEN o.amount ELSE 0 END) AS m
                FROM orders o JOIN customers c ON c.id = o.customer_id AND c.deleted_at IS NULL
                WHERE o.status = 'paid' AND o.deleted_at IS NULL
                GROUP BY o.customer_id
            ),
            scored AS (
                SELECT customer_id,
                       1 + \(connection.dialect.least("4", "(rank() OVER (ORDER BY days DESC) - 1) * 5 / count(*) OVER ()")) AS r,
                       1 + \(connection.dialect.least("4", "(rank() OVER (ORDER BY f) - 1) * 5 / count(*) OVER ()")) AS fs,
                       1 + \(connection.dialect.least("4", "(rank() OVER (ORDER BY m) - 1) * 5 / count(*) OVER ()")) AS ms
                FROM stats
            )
            UPDATE customers SET rfm_r = s.r, rfm_f = s.fs, rfm_m = s.ms, rfm_score = s.r + s.fs + s.ms,
                tier = coalesce(tier_override, CASE WHEN s.r + s.fs + s.ms >= 13 THEN 'vip' WHEN s.r + s.fs + s.ms >= 9 THEN 'important' ELSE 'standard' END)
            FROM scored s WHERE customers.id = s.customer_id
            """, [.text(now.rfc3339), .text(yearAgo)])
    }

    /// Every live customer's churn signals (``ChurnRisk/Signals``) and stored churn score and
    /// reasons: `id, churn_score, churn_reasons, nps_last, csat_avg, open_tickets,
    /// last_interaction_at, paid, first_at, last_at, recent_n, prior_n, recent_m, prior_m,
    /// complaints` (columns 0-14). `body` returns false to stop.
    static func forEachChurnSignals(
        _ connection: StoreConnection, trendStart: String, priorStart: String, complaintsSince: String, _ body: (StoreRow) throws -> Bool
    ) throws {
        try connection.forEachRowView(
            """
            SELECT c.id, c.churn_score, c.churn_reasons, c.nps_last, c.csat_avg, c.open_tickets, c.last_interaction_at,
                   coalesce(s.paid, 0), s.first_at, s.last_at, coalesce(s.recent_n, 0), coalesce(s.prior_n, 0),
                   coalesce(s.recent_m, 0), coalesce(s.prior_m, 0),
                   (SELECT count(*) FROM feedback f
                    WHERE f.customer_id = c.id AND f.kind = 'complaint' AND f.created_at > ?3 AND f.deleted_at IS NULL)
            FROM customers c
            LEFT JOIN (
                SELECT customer_id, count(*) AS paid, min(ordered_at) AS first_at, max(ordered_at) AS last_at,
                       sum(CASE WHEN ordered_at > ?1 THEN 1 ELSE 0 END) AS recent_n,
                       sum(CASE WHEN ordered_at <= ?1 AND ordered_at > ?2 THEN 1 ELSE 0 END) AS prior_n,
                       sum(CASE WHEN ordered_at > ?1 THEN amount ELSE 0 END) AS recent_m,
                       sum(CASE WHEN ordered_at <= ?1 AND ordered_at > ?2 THEN amount ELSE 0 END) AS prior_m
                FROM orders WHERE status = 'paid' AND deleted_at IS NULL GROUP BY customer_id
            ) s ON s.customer_id = c.id
            WHERE c.deleted_at IS NULL
            """, [.text(trendStart), .text(priorStart), .text(complaintsSince)], body)
    }

    /// A bulk load's churn risk, written in place (no version bump: nobody has seen the row).
    static func setChurn(_ connection: StoreConnection, id: Int64, score: Int64, reasons: String) throws {
        try connection.run(
            "UPDATE customers SET churn_score = ?, churn_reasons = ? WHERE id = ?", [.integer(score), .text(reasons), .integer(id)])
    }
}
