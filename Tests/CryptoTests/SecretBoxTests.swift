import Crypto
import XCTest

final class SecretBoxTests: XCTestCase {
    private let key = (0..<32).map { UInt8($0) }
    private let secret = Array("whsec_example-signing-secret".utf8)
    private let row = Array("webhook:42".utf8)

    func testSealThenOpenReturnsThePlaintext() throws {
        let box = SecretBox(key: key)
        for length in [0, 1, 31, 32, 63, 64, 65, 200] {
            let plaintext = SecureRandom.bytes(length)
            let sealed = box.seal(plaintext, associatedData: row)
            XCTAssertEqual(sealed.count, length + SecretBox.overhead)
            XCTAssertEqual(sealed.first, SecretBox.version)
            XCTAssertEqual(try box.open(sealed, associatedData: row), plaintext, "length \(length)")
        }
        XCTAssertEqual(try box.open(box.seal(secret)), secret, "no associated data")
    }

    func testOpensAValueSealedByAnIndependentImplementation() throws {
        // Built in Python from the layout in SecretBox's documentation (HKDF-Expand
        // labels, ChaCha20 from counter 1 via OpenSSL, HMAC-SHA256 over
        // version || nonce || ciphertext || "webhook:42" || 10 as UInt64 LE), nonce a0…ab.
        // It pins the stored format: values in databases must keep opening.
        let sealed = [UInt8](
            hexString: "01a0a1a2a3a4a5a6a7a8a9aaab97329fee6a01f0ea6289637ea55e14910eef71376ecd2e4395cd0d68c4a981"
                + "f025245c3865c6afa37fdca726970d1059d023400eb55864ed64dd3d76"
        )!
        XCTAssertEqual(try SecretBox(key: key).open(sealed, associatedData: row), secret)
    }

    func testTwoSealsOfTheSamePlaintextDiffer() {
        let box = SecretBox(key: key)
        let first = box.seal(secret, associatedData: row)
        let second = box.seal(secret, associatedData: row)
        XCTAssertNotEqual(first, second)
        XCTAssertNotEqual(first[1..<13], second[1..<13], "fresh nonce")
    }

    func testTheCiphertextDoesNotContainThePlaintext() {
        let plaintext = [UInt8](repeating: UInt8(ascii: "a"), count: 64)
        let sealed = SecretBox(key: key).seal(plaintext)
        XCTAssertFalse(sealed.indices.contains { sealed[$0...].starts(with: plaintext[..<8]) })
    }

    func testEverySingleBitFlipFailsToOpen() {
        let box = SecretBox(key: key)
        let sealed = box.seal(secret, associatedData: row)
        for index in sealed.indices {
            for bit in 0..<8 {
                var altered = sealed
                altered[index] ^= 1 << bit
                XCTAssertThrowsError(try box.open(altered, associatedData: row), "byte \(index) bit \(bit)") { error in
                    let expected: SecretBoxError = index == 0 ? .unknownVersion(altered[0]) : .authenticationFailed
                    XCTAssertEqual(error as? SecretBoxError, expected)
                }
            }
        }
    }

    func testAnotherKeyFailsToOpen() {
        let sealed = SecretBox(key: key).seal(secret, associatedData: row)
        var otherKey = key
        otherKey[31] ^= 1
        XCTAssertThrowsError(try SecretBox(key: otherKey).open(sealed, associatedData: row)) { error in
            XCTAssertEqual(error as? SecretBoxError, .authenticationFailed)
        }
        XCTAssertThrowsError(try SecretBox(key: SecureRandom.bytes(32)).open(sealed, associatedData: row))
    }

    func testOtherAssociatedDataFailsToOpen() {
        let box = SecretBox(key: key)
        let sealed = box.seal(secret, associatedData: row)
        for other in ["webhook:43", "webhook:4", "webhook:420", "", "Webhook:42"] {
            XCTAssertThrowsError(try box.open(sealed, associatedData: Array(other.utf8)), other) { error in
                XCTAssertEqual(error as? SecretBoxError, .authenticationFailed)
            }
        }
        XCTAssertThrowsError(try box.open(sealed), "missing associated data")
        XCTAssertThrowsError(try box.open(box.seal(secret), associatedData: row), "unexpected associated data")
    }

    func testAssociatedDataCannotBeShiftedIntoTheCiphertext() {
        // The associated data's length is in the tag: bytes moved between the end of
        // the ciphertext and the start of the associated data change the tag input.
        let box = SecretBox(key: key)
        let sealed = box.seal(Array("secret!".utf8), associatedData: Array("ad".utf8))
        let tagStart = sealed.count - 32
        let shifted = Array(sealed[..<(tagStart - 1)]) + Array(sealed[tagStart...])
        let movedByte = [sealed[tagStart - 1]]
        XCTAssertThrowsError(try box.open(shifted, associatedData: movedByte + Array("ad".utf8)))
    }

    func testTruncatedOrExtendedValuesFailToOpen() {
        let box = SecretBox(key: key)
        let sealed = box.seal(secret, associatedData: row)
        for length in 0..<sealed.count {
            XCTAssertThrowsError(try box.open(Array(sealed[..<length]), associatedData: row), "length \(length)") { error in
                let expected: SecretBoxError =
                    length < SecretBox.overhead ? .truncated(byteCount: length) : .authenticationFailed
                XCTAssertEqual(error as? SecretBoxError, expected)
            }
        }
        XCTAssertThrowsError(try box.open(Array(sealed.dropFirst()), associatedData: row), "first byte cut")
        XCTAssertThrowsError(try box.open(sealed + [0], associatedData: row), "byte appended") { error in
            XCTAssertEqual(error as? SecretBoxError, .authenticationFailed)
        }
    }

    func testAnUnknownVersionIsRefusedByName() {
        let box = SecretBox(key: key)
        var sealed = box.seal(secret)
        sealed[0] = 2
        XCTAssertThrowsError(try box.open(sealed)) { error in
            XCTAssertEqual(error as? SecretBoxError, .unknownVersion(2))
            XCTAssertEqual(
                String(describing: error),
                "sealed value has version 2; this server reads version 1 only"
            )
        }
    }
}
