import XCTest

@testable import HTTP

/// Random and mutated inputs, fed in random splits, never crash, never loop, and keep the
/// buffered bytes within the limits.
final class RequestParserFuzzTests: XCTestCase {
    private let seeds = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /v1/x?q=%E5%BC%A0+b HTTP/1.1\r\nHost: a:80\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
        "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "\nOPTIONS * HTTP/1.0\nConnection: keep-alive\n\n",
        "DELETE /a%2Fb HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n",
    ].map { Array($0.utf8) }

    private let alphabet = Array("\r\n \t:;%/?=&+,0123456789aAfFxzGET HTTP/1.1chunkedContent-LengthHost".utf8) + [0, 0x7F, 0x80, 0xFF]

    private func mutate(_ input: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] = alphabet.randomElement(using: &rng)!
            case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
            case 4: bytes += seeds.randomElement(using: &rng)!
            default:
                let end = min(bytes.count, position + Int.random(in: 0...8, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
        return bytes
    }

    func testRandomAndMutatedInputsNeverCrashOrLoop() {
        var rng = SplitMix64(state: 0x5EED)
        let limits = ParserLimits(maxRequestLine: 128, maxHeaderBytes: 256, maxBodyBytes: 512)
        let bound = max(limits.maxHeaderBytes, limits.maxRequestLine) + 2
        var outcomes = [0, 0, 0]  // request, needMore, error
        for round in 0..<4000 {
            let input: [UInt8]
            if round % 5 == 0 {
                input = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                input = mutate(seeds.randomElement(using: &rng)!, using: &rng)
            }
            var parser = RequestParser(limits: limits)
            var offset = 0
            var last = ParseEvent.needMore
            var sawRequest = false
            feeding: while offset < input.count {
                let length = min(input.count - offset, Int.random(in: 1...40, using: &rng))
                parser.feed(Array(input[offset..<offset + length]))
                offset += length
                var steps = 0
                while true {
                    steps += 1
                    XCTAssertLessThan(steps, 1000, "parser loops")
                    last = parser.next()
                    if case .request = last { sawRequest = true }
                    if case .needMore = last { break }
                    if case .error = last { break feeding }
                }
                XCTAssertLessThanOrEqual(parser.bufferedByteCount, bound)
            }
            if case .error(let error) = last {
                XCTAssertTrue([400, 413, 414, 431, 501, 505].contains(error.status), "\(error)")
                XCTAssertEqual(parser.next(), last)
                outcomes[2] += 1
            } else {
                outcomes[sawRequest ? 0 : 1] += 1
            }
        }
        // The mutations must exercise both acceptance and rejection.
        XCTAssertGreaterThan(outcomes[0], 100)
        XCTAssertGreaterThan(outcomes[2], 100)
    }
}
