import XCTest

@testable import CRM

/// The PostgreSQL spelling of the stores' shared SQL (the dialect layer's rewriting).
final class SQLDialectTests: XCTestCase {
    func testBarePlaceholdersAreNumberedInOrder() {
        XCTAssertEqual(
            SQLDialect.postgresPlaceholders("SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?"),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3) LIMIT $4")
    }

    func testNumberedPlaceholdersKeepTheirNumberAndBareOnesFollowTheLargest() {
        XCTAssertEqual(
            SQLDialect.postgresPlaceholders("julianday(?1) - julianday(x) WHERE y > ?1 AND z = ?12 AND w = ?"),
            "julianday($1) - julianday(x) WHERE y > $1 AND z = $12 AND w = $13")
    }

    func testQuotedTextIsCopiedUnchanged() {
        XCTAssertEqual(
            SQLDialect.postgresPlaceholders(#"SELECT '?', "a?b", 'it''s ?' FROM t WHERE x = ? AND y LIKE 'a\_%' ESCAPE '\'"#),
            #"SELECT '?', "a?b", 'it''s ?' FROM t WHERE x = $1 AND y LIKE 'a\_%' ESCAPE '\'"#)
    }

    func testChineseTextAroundPlaceholdersSurvives() {
        XCTAssertEqual(SQLDialect.postgresPlaceholders("SELECT '张伟' || ? AS 名"), "SELECT '张伟' || $1 AS 名")
    }

    func testDialectFragments() {
        XCTAssertEqual(SQLDialect.sqlite.integerPart("x / 2"), "CAST(x / 2 AS INTEGER)")
        XCTAssertEqual(SQLDialect.postgres.integerPart("x / 2"), "CAST(trunc(x / 2) AS BIGINT)")
        XCTAssertEqual(SQLDialect.sqlite.nextFeedSeq, "NULL")
    }
}
