import XCTest

@testable import API

/// CSV injection (OWASP): cells a spreadsheet would evaluate are written with a leading `'`,
/// and import undoes exactly that.
final class CSVFormulaGuardTests: XCTestCase {
    func testTriggersArePrefixed() {
        for cell in ["=1+1", "+86 138", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "''@x"] {
            XCTAssertEqual(CSVFormulaGuard.neutralized(cell), "'" + cell, cell.debugDescription)
        }
        for cell in ["", "plain", "'quoted", "a=b", "1-2", "''", "张伟"] {
            XCTAssertEqual(CSVFormulaGuard.neutralized(cell), cell, cell.debugDescription)
        }
    }

    func testEveryValueRoundTrips() {
        for cell in ["=1+1", "'=1", "''=1", "'", "'plain", "plain", "-", "@", "", "'\t", "x'=y"] {
            XCTAssertEqual(CSVFormulaGuard.restored(CSVFormulaGuard.neutralized(cell)), cell, cell.debugDescription)
        }
    }

    func testImportRemovesOnlyTheGuard() {
        XCTAssertEqual(CSVFormulaGuard.restored("'=x"), "=x")
        XCTAssertEqual(CSVFormulaGuard.restored("'plain"), "'plain")
        XCTAssertEqual(CSVFormulaGuard.restored("=x"), "=x")
    }
}
