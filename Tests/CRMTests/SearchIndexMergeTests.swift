import Foundation
import SQLite
import XCTest

@testable import CRM

/// The writer's flush of staged search documents also advances FTS5's merges a bounded step per
/// batch (`CustomerStore.flushMergePages`), so the index stays a few segments per level instead
/// of piling small segments up until FTS5 merges a whole level in one batch.
final class SearchIndexMergeTests: TemporaryDatabaseTestCase {
    /// The segments of the customers' search index (each has rows in the `_idx` shadow table).
    private func segmentCount() throws -> Int {
        try database.read { try $0.queryOne("SELECT count(DISTINCT segid) FROM customers_fts_idx")?.int(0) ?? 0 }
    }

    func testManySmallBatchesLeaveFewSegmentsAndEveryDocumentFindable() throws {
        let batches = 300
        for id in 1...batches {
            // One customer's document per batch, as single creates under light load stage them.
            _ = try database.writeAndWait { connection in
                try connection.run(
                    "INSERT INTO customer_search_pending (customer_id, document) VALUES (?, ?)",
                    [.integer(Int64(id)), .text("merge probe\(id) 合并")])
            }
        }
        // FTS5's own automatic merging alone leaves 17 here (up to 15 a level).
        XCTAssertLessThanOrEqual(try segmentCount(), 10, "segments")
        let found = try database.read {
            try $0.queryOne("SELECT count(*) FROM customers_fts WHERE customers_fts MATCH ?", [.text("merge")])?.int(0)
        }
        XCTAssertEqual(found, batches)
        let pending = try database.read { try $0.queryOne("SELECT count(*) FROM customer_search_pending")?.int(0) }
        XCTAssertEqual(pending, 0)
    }
}
