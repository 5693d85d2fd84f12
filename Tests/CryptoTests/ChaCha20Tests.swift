import Crypto
import XCTest

/// Known-answer tests for ChaCha20, vectors from RFC 8439 §2.3.2, §2.4.2 and
/// Appendix A.2 (each also reproduced with OpenSSL's ChaCha20).
final class ChaCha20Tests: XCTestCase {
    /// The key of §2.3.2 and §2.4.2: the bytes 00 01 02 … 1f.
    private let sequentialKey = (0..<32).map { UInt8($0) }

    func testBlockFunctionRFC8439Section2_3_2() {
        let cipher = ChaCha20(key: sequentialKey, nonce: bytes("000000090000004a00000000"))
        XCTAssertEqual(
            cipher.block(counter: 1).hexString,
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
                + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
        )
    }

    func testEncryptionRFC8439Section2_4_2() {
        let plaintext = Array(
            "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
                .utf8
        )
        let ciphertext =
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d"
        let cipher = ChaCha20(key: sequentialKey, nonce: bytes("000000000000004a00000000"))
        XCTAssertEqual(cipher.xor(plaintext, counter: 1).hexString, ciphertext)
        XCTAssertEqual(cipher.xor(bytes(ciphertext), counter: 1), plaintext, "the same call decrypts")
    }

    func testRFC8439AppendixA2TestVector1AllZeros() {
        let cipher = ChaCha20(key: [UInt8](repeating: 0, count: 32), nonce: [UInt8](repeating: 0, count: 12))
        XCTAssertEqual(
            cipher.xor([UInt8](repeating: 0, count: 64), counter: 0).hexString,
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
                + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"
        )
    }

    func testRFC8439AppendixA2TestVector2() {
        let plaintext = Array(
            ("Any submission to the IETF intended by the Contributor for publication as all or part of an IETF "
                + "Internet-Draft or RFC and any statement made within the context of an IETF activity is considered "
                + "an \"IETF Contribution\". Such statements include oral statements in IETF sessions, as well as "
                + "written and electronic communications made at any time or place, which are addressed to").utf8
        )
        XCTAssertEqual(plaintext.count, 375)
        let cipher = ChaCha20(key: bytes(String(repeating: "00", count: 31) + "01"), nonce: bytes("000000000000000000000002"))
        XCTAssertEqual(
            cipher.xor(plaintext, counter: 1).hexString,
            "a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec"
                + "2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d"
                + "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950"
                + "42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a"
                + "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d"
                + "c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b"
                + "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c"
                + "cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b"
                + "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f"
                + "5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6"
                + "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab"
                + "7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221"
        )
    }

    func testRFC8439AppendixA2TestVector3StartsAtCounter42() {
        let plaintext = Array(
            ("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n"
                + "All mimsy were the borogoves,\nAnd the mome raths outgrabe.").utf8
        )
        let cipher = ChaCha20(
            key: bytes("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"),
            nonce: bytes("000000000000000000000002")
        )
        XCTAssertEqual(
            cipher.xor(plaintext, counter: 42).hexString,
            "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf"
                + "166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb"
                + "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77"
                + "04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1"
        )
    }

    func testXorIsTheKeystreamBlocksInOrder() {
        let cipher = ChaCha20(key: sequentialKey, nonce: bytes("000000000000004a00000000"))
        let keystream = cipher.block(counter: 7) + cipher.block(counter: 8) + cipher.block(counter: 9)
        for length in [0, 1, 63, 64, 65, 128, 150, 192] {
            XCTAssertEqual(
                cipher.xor([UInt8](repeating: 0, count: length), counter: 7),
                Array(keystream[..<length]),
                "length \(length)"
            )
        }
    }

    func testXorMayUseTheLastCounterValue() {
        let cipher = ChaCha20(key: sequentialKey, nonce: bytes("000000000000004a00000000"))
        XCTAssertEqual(cipher.xor([UInt8](repeating: 0, count: 64), counter: .max), cipher.block(counter: .max))
    }

    private func bytes(_ hex: String) -> [UInt8] {
        guard let bytes = [UInt8](hexString: hex) else { preconditionFailure("bad hex in a test: \(hex)") }
        return bytes
    }
}
