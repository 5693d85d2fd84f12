import Foundation
import XCTest

@testable import CRM

/// A fresh database in a directory of its own for every test, removed afterwards, so tests never
/// see each other's data.
class TemporaryDatabaseTestCase: XCTestCase {
    var directory: URL!
    var database: Database!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("crm-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try Database.open(path: directory.appendingPathComponent("crm.sqlite").path, synchronous: .normal, maximumReaders: 2)
    }

    override func tearDown() {
        database?.close()
        database = nil
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}
