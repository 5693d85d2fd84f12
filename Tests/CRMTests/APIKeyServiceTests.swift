import Crypto
import Foundation
import SQLite
import XCTest

@testable import CRM

/// API keys (API.md §1, "Auth"): random, ≥ 128 bits, shown once, stored only as a hash, compared
/// in constant time, revocable.
final class APIKeyServiceTests: TemporaryDatabaseTestCase {
    private let keys = APIKeyService()
    private let now = Timestamp(rfc3339: "2026-11-23T08:00:00.000Z")!

    // MARK: Helpers

    private func issue(_ name: String = "ci", role: Role = .sales) throws -> IssuedAPIKey {
        let keys = keys
        let now = now
        return try database.writeAndWait { try keys.create($0, name: name, role: role, now: now) }
    }

    private func verify(_ secret: String) throws -> APIKey? {
        try database.read { try keys.verify($0, secret: secret) }
    }

    private func revoke(_ id: Int64) throws -> Bool {
        let keys = keys
        let now = now
        return try database.writeAndWait { try keys.revoke($0, id: id, now: now) }
    }

    /// The random part of a secret: what follows `crm_<id>_`.
    private func randomPart(_ secret: String) -> String {
        String(secret.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false).last ?? "")
    }

    // MARK: Format

    func testSecretIsPrefixIDAndFortyThreeBase64URLCharacters() throws {
        let issued = try issue()
        let secret = issued.secret
        XCTAssertTrue(secret.hasPrefix("crm_\(issued.key.id)_"), secret)
        let random = randomPart(secret)
        XCTAssertEqual(random.count, 43, secret)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        XCTAssertTrue(random.allSatisfy { alphabet.contains($0) }, secret)
        let bytes = try XCTUnwrap(Base64URL.decode(random))
        XCTAssertEqual(bytes.count, 32)
        XCTAssertGreaterThanOrEqual(bytes.count * 8, 128, "at least 128 random bits")
        XCTAssertEqual(issued.key.name, "ci")
        XCTAssertEqual(issued.key.role, .sales)
        XCTAssertEqual(issued.key.createdAt, now)
        XCTAssertNil(issued.key.revokedAt)
    }

    func testEverySecretIsDifferent() throws {
        var randoms: Set<String> = []
        for index in 0..<20 {
            randoms.insert(randomPart(try issue("k\(index)").secret))
        }
        XCTAssertEqual(randoms.count, 20)
        // Random material, not a counter: the bytes of different keys differ widely.
        let decoded = randoms.compactMap { Base64URL.decode($0) }
        XCTAssertEqual(Set(decoded.map { $0.prefix(4) }).count, 20)
    }

    func testSecretIsStoredOnlyAsItsHash() throws {
        let issued = try issue()
        let random = randomPart(issued.secret)
        let rows = try database.read { try $0.query("SELECT * FROM api_keys") }
        XCTAssertEqual(rows.count, 1)
        let row = try XCTUnwrap(rows.first)
        // No column holds the secret or any sizeable piece of it, as text or bytes.
        let randomBytes = Base64URL.decode(random) ?? []
        for name in row.columnNames {
            let stored: [UInt8]
            switch row[name] {
            case .text(let text): stored = Array(text.utf8)
            case .blob(let blob): stored = blob
            default: continue
            }
            let storedText = String(decoding: stored, as: UTF8.self)
            for start in stride(from: 0, through: random.count - 8, by: 1) {
                let piece = String(random.dropFirst(start).prefix(8))
                XCTAssertFalse(storedText.contains(piece), "column \(name) holds \(piece) of the secret")
            }
            XCTAssertFalse(issued.secret.isEmpty)
            XCTAssertNotEqual(stored, randomBytes, "column \(name) holds the raw random bytes")
        }
        XCTAssertEqual(row.blob("secret_hash"), SHA256.hash(random), "the hash is SHA-256 of the random part")
    }

    func testKeyRecordNeverCarriesTheSecret() throws {
        let issued = try issue()
        let listed = try database.read { try keys.list($0) }
        XCTAssertEqual(listed, [issued.key])
        XCTAssertFalse(String(describing: issued.key).contains(randomPart(issued.secret)))
    }

    // MARK: Verify

    func testVerifyAcceptsTheIssuedSecret() throws {
        let sales = try issue("sales", role: .sales)
        let admin = try issue("admin", role: .admin)
        XCTAssertEqual(try verify(sales.secret), sales.key)
        XCTAssertEqual(try verify(admin.secret), admin.key)
        XCTAssertEqual(try verify(admin.secret)?.role, .admin)
    }

    func testVerifyRejectsAWrongSecret() throws {
        let issued = try issue()
        let other = try issue("other")
        let random = randomPart(issued.secret)
        var flipped = Array(random)
        flipped[10] = flipped[10] == "A" ? "B" : "A"
        XCTAssertNil(try verify("crm_\(issued.key.id)_\(String(flipped))"))
        XCTAssertNil(try verify("crm_\(issued.key.id)_\(randomPart(other.secret))"), "another key's random part under this id")
        XCTAssertNil(try verify("crm_\(other.key.id)_\(random)"), "this random part under another id")
        XCTAssertNil(try verify("crm_\(issued.key.id)_\(random.dropLast())"))
        XCTAssertNil(try verify("crm_\(issued.key.id)_\(random)A"))
        XCTAssertNil(try verify("crm_999_\(random)"), "no such key")
    }

    func testVerifyRejectsMalformedSecrets() throws {
        let issued = try issue()
        let random = randomPart(issued.secret)
        let id = issued.key.id
        let malformed = [
            "", "crm_", "crm_\(id)", "crm_\(id)_", "crm__\(random)", "crm_x_\(random)", "crm_0_\(random)", "crm_-\(id)_\(random)",
            "CRM_\(id)_\(random)", "key_\(id)_\(random)", "\(id)_\(random)", random, " \(issued.secret)", "\(issued.secret) ",
            "Bearer \(issued.secret)", "crm_\(id)_\(random)\n", "crm_\(id)_\(String(repeating: "A", count: 200))",
            "crm_99999999999999999999_\(random)", "crm_\u{0661}_\(random)",
        ]
        for secret in malformed {
            XCTAssertNil(try verify(secret), "accepted \(secret.debugDescription)")
        }
        XCTAssertNotNil(try verify(issued.secret), "the real one still works")
    }

    func testRevokedKeyIsRejectedAndStaysListedOnlyWithRevoked() throws {
        let issued = try issue()
        let kept = try issue("kept")
        XCTAssertTrue(try revoke(issued.key.id))
        XCTAssertNil(try verify(issued.secret))
        XCTAssertEqual(try verify(kept.secret), kept.key)
        XCTAssertFalse(try revoke(issued.key.id), "a key is revoked once")
        XCTAssertFalse(try revoke(12345), "no such key")
        let live = try database.read { try keys.list($0) }
        XCTAssertEqual(live.map(\.id), [kept.key.id])
        let all = try database.read { try keys.list($0, includeRevoked: true) }
        XCTAssertEqual(all.map(\.id), [issued.key.id, kept.key.id])
        XCTAssertEqual(all.first?.revokedAt, now)
        XCTAssertEqual(try database.read { try keys.count($0) }, 2)
    }

    func testRevocationTakesEffectForOtherConnectionsImmediately() throws {
        let issued = try issue()
        XCTAssertNotNil(try verify(issued.secret))
        XCTAssertTrue(try revoke(issued.key.id))
        // Reads after the commit, from any pooled reader, see the revocation: there is no cache.
        for _ in 0..<4 {
            XCTAssertNil(try verify(issued.secret))
        }
    }
}
