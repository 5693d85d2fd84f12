import XCTest

@testable import HTTP

/// Staged writes appended in one piece, as response heads and log lines are built.
final class ByteWriterTests: XCTestCase {
    func testPiecesAreAppendedInOrderAfterWhatIsThere() {
        var output = Array("HTTP".utf8)
        let small = "id-1"
        let large = String(repeating: "张", count: 40)
        output.appendWriting(capacity: 8 + 1 + 4 + 120 + 2 + 20) { writer in
            writer.write("/1.1 200")
            writer.write(byte: UInt8(ascii: " "))
            writer.write(small)
            writer.write(large)
            writer.write(Array("\r\n".utf8))
            writer.writeDecimal(1_234_567_890)
        }
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "HTTP/1.1 200 id-1\(large)\r\n1234567890")
    }

    func testDecimals() {
        for value in [0, 7, 10, 99, 100, 1005, Int.max] {
            var output: [UInt8] = []
            output.appendWriting(capacity: 19) { $0.writeDecimal(value) }
            XCTAssertEqual(String(decoding: output, as: UTF8.self), String(value))
        }
    }

    func testAWriterFilledExactlyOrNotAtAll() {
        var output: [UInt8] = []
        output.appendWriting(capacity: 3) { $0.write("abc") }
        output.appendWriting(capacity: 0) { _ in }
        XCTAssertEqual(output, Array("abc".utf8))
    }

    func testLengthCountsUTF8Bytes() {
        XCTAssertEqual(ByteWriter.length("张三"), 6)
        XCTAssertEqual(ByteWriter.length(""), 0)
    }
}
