import Crypto
import Foundation
import Synchronization
import XCTest

/// Each test works in a fresh temporary directory, removed afterwards.
final class SecretKeyFileTests: XCTestCase {
    private var directory: String!
    private var path: String { directory + "/secret.key" }

    override func setUpWithError() throws {
        directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("secret-key-file-tests-\(UUID().uuidString)", isDirectory: true).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testCreatesAMissingFileWithMode0600HoldingTheKeyInHex() throws {
        let key = try SecretKeyFile.loadOrCreate(path: path)
        XCTAssertEqual(key.count, 32)
        XCTAssertEqual(try permissions(path), 0o600)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), key.hexString + "\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["secret.key"], "no temporary file left")
    }

    func testASecondLoadReturnsTheSameKey() throws {
        let created = try SecretKeyFile.loadOrCreate(path: path)
        XCTAssertEqual(try SecretKeyFile.loadOrCreate(path: path), created)
        XCTAssertEqual(try SecretKeyFile.loadOrCreate(path: path), created)
        XCTAssertNotEqual(try SecretKeyFile.loadOrCreate(path: directory + "/other.key"), created)
    }

    func testReadsAKeyWrittenByHand() throws {
        let key = SecureRandom.bytes(32)
        for contents in [key.hexString, key.hexString + "\n", key.hexString.uppercased()] {
            try write(contents, mode: 0o600)
            XCTAssertEqual(try SecretKeyFile.loadOrCreate(path: path), key, contents.debugDescription)
        }
        try write(key.hexString, mode: 0o400)
        XCTAssertEqual(try SecretKeyFile.loadOrCreate(path: path), key, "read-only for the owner")
    }

    func testRefusesAndKeepsAFileThatIsNotA64DigitKey() throws {
        let digits = SecureRandom.bytes(32).hexString
        let malformed = [
            "", "\n", String(digits.dropLast()), digits + "0", String(digits.dropLast()) + "g",
            digits + "\n\n", digits + "\r\n", " " + digits, digits + " ", "0x" + digits,
            digits + "\n" + digits, String(repeating: "z", count: 64), String(repeating: "0", count: 4096),
        ]
        for contents in malformed {
            try write(contents, mode: 0o600)
            XCTAssertThrowsError(try SecretKeyFile.loadOrCreate(path: path), contents.debugDescription) { error in
                XCTAssertEqual(error as? SecretKeyFileError, .malformed(path: path))
            }
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), contents, "left as it was")
        }
    }

    func testRefusesAFileOpenToGroupOrOthers() throws {
        let contents = SecureRandom.bytes(32).hexString + "\n"
        for mode in [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o644, 0o666, 0o777] {
            try write(contents, mode: mode)
            XCTAssertThrowsError(try SecretKeyFile.loadOrCreate(path: path), String(mode, radix: 8)) { error in
                XCTAssertEqual(error as? SecretKeyFileError, .permissionsTooOpen(path: path, mode: UInt32(mode)))
            }
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), contents, "left as it was")
        }
    }

    func testErrorsSayWhatIsWrongAndWhatToDo() throws {
        try write(SecureRandom.bytes(32).hexString, mode: 0o644)
        XCTAssertThrowsError(try SecretKeyFile.loadOrCreate(path: path)) { error in
            XCTAssertEqual(
                String(describing: error),
                "secret key file \(path) has mode 0644, open to group or others; restrict it to its owner (chmod 600 \(path))"
            )
        }
        try write("not a key", mode: 0o600)
        XCTAssertThrowsError(try SecretKeyFile.loadOrCreate(path: path)) { error in
            XCTAssertEqual(
                String(describing: error),
                "secret key file \(path) must hold exactly 64 hexadecimal digits (a 32-byte key), "
                    + "optionally followed by a newline; it was left as it is"
            )
        }
    }

    func testRefusesADirectory() throws {
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700]
        )
        XCTAssertThrowsError(try SecretKeyFile.loadOrCreate(path: path)) { error in
            XCTAssertEqual(error as? SecretKeyFileError, .notARegularFile(path: path))
        }
    }

    func testAMissingDirectoryIsReportedNotCreated() {
        let missing = directory + "/missing/secret.key"
        XCTAssertThrowsError(try SecretKeyFile.loadOrCreate(path: missing)) { error in
            guard case .systemCall("open", _, ENOENT) = error as? SecretKeyFileError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/missing"))
    }

    func testConcurrentFirstLoadsAgreeOnOneKey() throws {
        // Threads race to create the same missing file; the losers of link(2) must read
        // the winner's key, never a partial file, and leave no temporary file behind.
        let threads = 4
        for round in 0..<50 {
            let path = directory + "/race-\(round).key"
            let keys = Mutex<[[UInt8]]>([])
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                do {
                    let key = try SecretKeyFile.loadOrCreate(path: path)
                    keys.withLock { $0.append(key) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            XCTAssertEqual(failures.withLock { $0 }, [], "round \(round)")
            let onDisk = try String(contentsOfFile: path, encoding: .utf8)
            let returned = keys.withLock { $0 }.map { $0.hexString + "\n" }
            XCTAssertEqual(returned, Array(repeating: onDisk, count: threads), "round \(round)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        XCTAssertEqual(Set(names), Set((0..<50).map { "race-\($0).key" }), "no temporary file left")
    }

    private func write(_ contents: String, mode: Int) throws {
        try? FileManager.default.removeItem(atPath: path)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    private func permissions(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }
}
