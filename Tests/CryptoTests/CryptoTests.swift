import Crypto
import XCTest

/// Known-answer tests for the primitives in `Sources/Crypto`.
///
/// Vectors: SHA-256 from FIPS 180-4's examples (NIST CSRC "SHA256.pdf",
/// "SHA2_Additional.pdf"), HMAC-SHA256 from RFC 4231 §4, base64 from RFC 4648 §10.
final class CryptoTests: XCTestCase {
    // MARK: SHA-256 (FIPS 180-4)

    func testSHA256OfAbc() {
        XCTAssertEqual(
            SHA256.hash("abc").hexString,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    func testSHA256OfEmptyString() {
        XCTAssertEqual(
            SHA256.hash("").hexString,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        XCTAssertEqual(SHA256.hash([UInt8]()), SHA256.hash(""))
    }

    func testSHA256Of448BitMessage() {
        XCTAssertEqual(
            SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hexString,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }

    func testSHA256Of896BitMessage() {
        let message =
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(
            SHA256.hash(message).hexString,
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        )
    }

    func testSHA256OfOneMillionAs() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        XCTAssertEqual(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hexString, expected)

        // The same message fed in uneven pieces, as a network reader would.
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var fed = 0
        while fed < 1_000_000 {
            let length = min(piece.count, 1_000_000 - fed)
            hasher.update(piece[0..<length])
            fed += length
        }
        XCTAssertEqual(hasher.finalize().hexString, expected)
    }

    func testSHA256IncrementalUpdateSplitAtEveryPositionEqualsOneShot() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let expected = SHA256.hash(message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            XCTAssertEqual(hasher.finalize(), expected, "split at \(split)")
        }
        // Three pieces, the middle one through the raw-buffer entry point.
        for split in stride(from: 0, through: message.count, by: 7) {
            let second = min(split + 65, message.count)
            var hasher = SHA256()
            hasher.update(message[..<split])
            message[split..<second].withUnsafeBytes { hasher.update($0) }
            hasher.update(message[second...])
            XCTAssertEqual(hasher.finalize(), expected, "splits at \(split) and \(second)")
        }
    }

    func testSHA256AcceptsNonContiguousSequences() {
        let message = Array("The quick brown fox jumps over the lazy dog".utf8)
        XCTAssertEqual(SHA256.hash(message.lazy.map { $0 }), SHA256.hash(message))
        XCTAssertEqual(
            SHA256.hash(message).hexString,
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        )
    }

    func testSHA256FinalizeResetsTheHasher() {
        var hasher = SHA256()
        hasher.update(Array("abc".utf8))
        _ = hasher.finalize()
        hasher.update(Array("abc".utf8))
        XCTAssertEqual(hasher.finalize(), SHA256.hash("abc"))
    }

    // MARK: HMAC-SHA256 (RFC 4231 §4)

    func testHMACRFC4231TestCase1() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        XCTAssertEqual(
            HMACSHA256.authenticationCode(for: Array("Hi There".utf8), key: key).hexString,
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        )
    }

    func testHMACRFC4231TestCase2() {
        XCTAssertEqual(
            HMACSHA256.authenticationCode(
                for: Array("what do ya want for nothing?".utf8),
                key: Array("Jefe".utf8)
            ).hexString,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )
    }

    func testHMACRFC4231TestCase3() {
        let key = [UInt8](repeating: 0xaa, count: 20)
        let data = [UInt8](repeating: 0xdd, count: 50)
        XCTAssertEqual(
            HMACSHA256.authenticationCode(for: data, key: key).hexString,
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        )
    }

    func testHMACRFC4231TestCase4() {
        let key = (UInt8(0x01)...UInt8(0x19)).map { $0 }
        let data = [UInt8](repeating: 0xcd, count: 50)
        XCTAssertEqual(
            HMACSHA256.authenticationCode(for: data, key: key).hexString,
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        )
    }

    func testHMACRFC4231TestCase6KeyLargerThanBlock() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        XCTAssertEqual(
            HMACSHA256.authenticationCode(
                for: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                key: key
            ).hexString,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        )
    }

    func testHMACRFC4231TestCase7KeyAndDataLargerThanBlock() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let data = Array(
            ("This is a test using a larger than block-size key and a larger than block-size data. "
                + "The key needs to be hashed before being used by the HMAC algorithm.").utf8
        )
        XCTAssertEqual(
            HMACSHA256.authenticationCode(for: data, key: key).hexString,
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        )
    }

    func testHMACWithEmptyKeyAndMessage() {
        // Cross-checked with `openssl dgst -sha256 -hmac ""` on empty input.
        XCTAssertEqual(
            HMACSHA256.authenticationCode(for: [UInt8](), key: [UInt8]()).hexString,
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        )
    }

    // MARK: Constant-time comparison

    func testConstantTimeEqualsComparesContentAndLength() {
        let a: [UInt8] = [1, 2, 3, 4]
        XCTAssertTrue(constantTimeEquals(a, [1, 2, 3, 4]))
        XCTAssertTrue(constantTimeEquals([], []))
        XCTAssertFalse(constantTimeEquals(a, [0, 2, 3, 4]), "first byte differs")
        XCTAssertFalse(constantTimeEquals(a, [1, 2, 3, 5]), "last byte differs")
        XCTAssertFalse(constantTimeEquals(a, [1, 2, 3]), "shorter")
        XCTAssertFalse(constantTimeEquals(a, [1, 2, 3, 4, 5]), "longer")
        XCTAssertFalse(constantTimeEquals([], [0]))
        let digest = SHA256.hash("secret")
        XCTAssertTrue(constantTimeEquals(digest, SHA256.hash("secret")))
        XCTAssertFalse(constantTimeEquals(digest, SHA256.hash("Secret")))
    }

    // MARK: Secure random bytes

    func testSecureRandomBytesHaveTheRequestedLength() {
        for count in [0, 1, 16, 32, 255, 256, 257, 1000, 4096] {
            XCTAssertEqual(SecureRandom.bytes(count).count, count)
        }
    }

    func testSecureRandomBytesAreDistinctAndNotConstant() {
        var seen = Set<[UInt8]>()
        for _ in 0..<100 {
            seen.insert(SecureRandom.bytes(16))
        }
        XCTAssertEqual(seen.count, 100, "128-bit values must not repeat")

        // Past the 256-byte request limit every piece is filled too: 4096
        // uniform bytes cover nearly all 256 values, the last 256 of them many.
        let large = SecureRandom.bytes(4096)
        XCTAssertGreaterThan(Set(large[3840...]).count, 100, "the tail is random too")
        XCTAssertGreaterThan(Set(large).count, 240)
    }

    // MARK: Hex

    func testHexStringIsLowercaseTwoDigitsPerByte() {
        XCTAssertEqual([UInt8]().hexString, "")
        XCTAssertEqual([0x00, 0x0f, 0x10, 0xab, 0xff].hexString, "000f10abff")
    }

    // MARK: Base64URL (RFC 4648)

    func testBase64URLEncodesRFC4648Vectors() {
        let vectors = [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"),
            ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64URL.decode(encoded), Array(plain.utf8))
        }
    }

    func testBase64URLUsesTheURLSafeAlphabet() {
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff]), "-_8")
        XCTAssertEqual(Base64URL.encode([0xfb, 0xef, 0xbe]), "----")
        XCTAssertEqual(Base64URL.encode([0xff, 0xff, 0xff]), "____")
        XCTAssertEqual(Base64URL.decode("-_8"), [0xfb, 0xff])
    }

    func testBase64URLRoundTripsEveryLength() {
        for length in 0...130 {
            let bytes = SecureRandom.bytes(length)
            let encoded = Base64URL.encode(bytes)
            XCTAssertEqual(encoded.utf8.count, (length * 4 + 2) / 3)
            XCTAssertFalse(encoded.contains("="))
            XCTAssertEqual(Base64URL.decode(encoded), bytes, "length \(length)")
        }
        let all = (0...255).map { UInt8($0) }
        XCTAssertEqual(Base64URL.decode(Base64URL.encode(all)), all)
    }

    func testBase64URLDecodeRejectsPadding() {
        for input in ["Zg==", "Zg=", "Zm8=", "Zm9v====", "=", "===="] {
            XCTAssertNil(Base64URL.decode(input), input)
        }
    }

    func testBase64URLDecodeRejectsCharactersOutsideTheAlphabet() {
        for input in ["+/8", "Zm9/", "Zm+v", "Zm 9v", "Zm9v\n", " Zm9v", "Zm9v.", "Zé", "Zm9v\u{0}"] {
            XCTAssertNil(Base64URL.decode(input), input.debugDescription)
        }
    }

    func testBase64URLDecodeRejectsImpossibleLengths() {
        for input in ["Z", "Zm9vY", "Zm9vYmFyZ"] {
            XCTAssertNil(Base64URL.decode(input), input)
        }
    }

    func testBase64URLDecodeRejectsNonCanonicalTrailingBits() {
        // "Zg" is the one spelling of "f"; "Zh"…"Zv" carry the same byte with
        // non-zero unused bits (RFC 4648 §3.5). Likewise "Zm8" for "fo".
        XCTAssertEqual(Base64URL.decode("Zg"), Array("f".utf8))
        XCTAssertEqual(Base64URL.decode("Zm8"), Array("fo".utf8))
        for input in ["Zh", "Zi", "Zv", "Zm9", "Zm-", "Zm_"] {
            XCTAssertNil(Base64URL.decode(input), input)
        }
    }
}
