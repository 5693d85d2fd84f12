// libFuzzer harness for the HTTP/1.1 request parser (README "Fuzzing"). Built with
// `-sanitize=fuzzer,address -DFUZZING` by .ci/fuzz, `main` hands over to libFuzzer's driver,
// which calls `LLVMFuzzerTestOneInput`; in the plain build `main` replays files instead, so
// that `swift build` keeps building this target and a crash file reruns without sanitizers.
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// One input: the first byte configures the parser and how the rest is split into reads, the
/// rest is what the peer sent.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    HTTPParserHarness(configuration: input[0]).check(Array(input[1...]))
    return 0
}

/// Feeds the bytes to a ``RequestParser`` as a connection does (one `feed` per socket read, then
/// `next()` until `.needMore`; a head with a body is screened, and a refused one's body skipped),
/// once in the reads the configuration byte chooses and once in a single read, and traps when a
/// rule of the parser is broken or the two runs disagree.
struct HTTPParserHarness {
    /// What one run saw, `.continueExpected` left out: whether it comes depends on whether the
    /// body was already buffered, which is the one thing allowed to differ between splits.
    enum Event: Equatable {
        case head(Request)
        case request(Request)
        case error(HTTPParseError)
    }

    /// The events, and where the parser stood when the input ran out (unless it failed).
    struct Outcome: Equatable {
        var events: [Event] = []
        var state: ParseState?
        var buffered = 0
    }

    /// Bits 0–1: limit set; bit 2: announce heads (as the server does); bit 3: skip the bodies of
    /// every other announced head (as for refused requests); bits 4–7: the largest read.
    let limits: ParserLimits
    let announcesHeads: Bool
    let skipsBodies: Bool
    let largestRead: Int
    let seed: UInt64

    static let limitSets = [
        ParserLimits(),
        ParserLimits(maxRequestLine: 64, maxHeaderBytes: 256, maxBodyBytes: 512),
        ParserLimits(maxRequestLine: 16, maxHeaderBytes: 48, maxBodyBytes: 32),
        ParserLimits(maxRequestLine: 200, maxHeaderBytes: 200, maxBodyBytes: 4096),
    ]
    static let readSizes = [1, 1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64, 100, 256, 1024, Int.max]

    init(configuration byte: UInt8) {
        limits = Self.limitSets[Int(byte & 3)]
        announcesHeads = byte & 4 != 0
        skipsBodies = byte & 8 != 0
        largestRead = Self.readSizes[Int(byte >> 4)]
        seed = UInt64(byte)
    }

    func check(_ bytes: [UInt8]) {
        var random = SplitMix64(state: seed)
        var reads: [Int] = []
        var total = 0
        while total < bytes.count {
            let size = min(bytes.count - total, Int.random(in: 1...min(largestRead, 1 << 20), using: &random))
            reads.append(size)
            total += size
        }
        let split = run(bytes, reads: reads)
        let whole = run(bytes, reads: bytes.isEmpty ? [] : [bytes.count])
        guard split == whole else {
            fatalError("reads \(reads) gave \(split), one read gave \(whole)")
        }
    }

    /// The worst case the parser's memory rule allows once `next()` said `.needMore`: an
    /// incomplete head (after one skipped empty line) or chunk-size line or trailer section.
    var bufferBound: Int { max(limits.maxHeaderBytes + 2, limits.maxRequestLine + 2) }

    func run(_ bytes: [UInt8], reads: [Int]) -> Outcome {
        var parser = RequestParser(limits: limits, announcesHeads: announcesHeads)
        var outcome = Outcome()
        var offset = 0
        var heads = 0
        var expectingContinue = false
        var continues = 0
        feeding: for size in reads {
            parser.feed(Array(bytes[offset..<offset + size]))
            offset += size
            // Each event but `.needMore` consumes bytes or ends a request, so this many is a loop.
            var steps = 0
            while true {
                steps += 1
                precondition(steps <= 3 * (offset + 2), "next() does not make progress")
                let event = parser.next()
                precondition(parser.bodyByteCount <= limits.maxBodyBytes, "body beyond maxBodyBytes held")
                switch event {
                case .needMore:
                    precondition(parser.bufferedByteCount <= bufferBound, "\(parser.bufferedByteCount) bytes buffered")
                    continue feeding
                case .continueExpected:
                    // At most once per request; with announced heads, only after one that expects it.
                    precondition(continues == 0 && (expectingContinue || !announcesHeads), "100 Continue twice or unasked")
                    precondition(parser.state == .body, "100 Continue outside a body")
                    continues += 1
                case .head(let head):
                    precondition(announcesHeads, "a head from a parser that does not announce them")
                    precondition(head.body.isEmpty && parser.state == .body, "a head with its body")
                    checkRequest(head, isHead: true)
                    outcome.events.append(.head(head))
                    expectingContinue = parser.expectsContinue
                    continues = 0
                    heads += 1
                    if skipsBodies, heads % 2 == 0, !parser.expectsContinue, let length = parser.remainingFixedBody,
                        length <= 64 << 10
                    {
                        parser.skipBody()
                    }
                case .request(let request):
                    checkRequest(request, isHead: false)
                    outcome.events.append(.request(request))
                    expectingContinue = false
                    continues = 0
                case .error(let error):
                    precondition([400, 413, 414, 431, 501, 505].contains(error.status), "status \(error.status)")
                    outcome.events.append(.error(error))
                    // Dead from now on: the same error, whatever arrives.
                    parser.feed(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
                    precondition(parser.next() == .error(error), "the parser revived after an error")
                    // What is left buffered depends on the reads: only the events count.
                    return outcome
                }
            }
        }
        outcome.state = parser.state
        outcome.buffered = parser.bufferedByteCount
        return outcome
    }

    /// What every request the parser lets through must satisfy (RequestParser's documented rules).
    func checkRequest(_ request: Request, isHead: Bool) {
        let target = Array(request.target.utf8)
        precondition(!target.isEmpty && target.count <= limits.maxRequestLine, "target length")
        precondition(target.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }, "target bytes")
        if target == [UInt8(ascii: "*")] {
            precondition(request.method == .options, "asterisk-form without OPTIONS")
        } else {
            precondition(target[0] == UInt8(ascii: "/"), "target not origin-form")
            precondition(PercentDecoding.decode(request.path) != nil, "path does not decode")
        }
        // Exercised for crashes only: the router and handlers read these.
        _ = request.pathSegments
        _ = request.hasCanonicalPath
        _ = request.query
        _ = request.keepAlive

        // At most the bytes received: a byte of obs-text that is not UTF-8 is one U+FFFD scalar
        // (three bytes in UTF-8) in the String, and `name: value\n` is three bytes more.
        let headBytes = request.headers.reduce(0) { $0 + $1.name.unicodeScalars.count + $1.value.unicodeScalars.count + 3 }
        precondition(headBytes <= limits.maxHeaderBytes, "header section beyond maxHeaderBytes")
        let trailerBytes = request.trailers.reduce(0) { $0 + $1.name.unicodeScalars.count + $1.value.unicodeScalars.count + 3 }
        precondition(trailerBytes <= limits.maxHeaderBytes, "trailer section beyond maxHeaderBytes")
        for (name, value) in [Array(request.headers), Array(request.trailers)].joined() {
            precondition(!name.isEmpty && name.utf8.allSatisfy(Self.isTokenByte), "header name \(name.debugDescription)")
            precondition(value.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }, "header value")
        }
        let hosts = request.headers.count(of: "host")
        precondition(request.version == .http11 ? hosts == 1 : hosts <= 1, "Host rule")

        precondition(request.body.count <= limits.maxBodyBytes, "body beyond maxBodyBytes")
        let chunked = request.headers.contains("transfer-encoding")
        let length = request.headers["content-length"].map { value in
            Int(value.split(separator: ",", omittingEmptySubsequences: false)[0].trimmingWhitespace)
        }
        precondition(!(chunked && length != nil), "both Transfer-Encoding and Content-Length")
        if isHead {
            precondition(request.body.isEmpty, "a head with a body")
        } else if chunked {
            precondition(request.version == .http11, "chunked in HTTP/1.0")
        } else if let length {
            precondition(length == request.body.count, "body is not Content-Length long")
        } else {
            precondition(request.body.isEmpty && request.trailers.isEmpty, "a body without framing")
        }
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so an input always splits the same way.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@main
enum Main {
    static func main() {
        #if FUZZING
            // libFuzzer's own driver, with its command line (-runs, -max_total_time, corpus folders…).
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzHTTPParser))
        #else
            // Without libFuzzer: every file named on the command line, or found in a folder named
            // there, goes through the harness once, e.g. `FuzzHTTPParser Tests/Fuzz/corpus/http crash-1234`.
            replay(arguments: Array(CommandLine.arguments.dropFirst()), through: fuzzHTTPParser)
        #endif
    }
}

// MARK: - Running (the same in every harness; one file per target keeps the builds small)

#if FUZZING
    /// libFuzzer's entry point for programs with a `main` of their own (SwiftPM gives every
    /// executable one): it parses libFuzzer's flags from the command line and runs `callback`.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif

/// Runs each file, and each file in each directory, through `harness`; exits 1 if there were none.
func replay(arguments: [String], through harness: (UnsafePointer<UInt8>?, Int) -> CInt) {
    var paths: [String] = []
    for argument in arguments {
        if let directory = opendir(argument) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if !name.hasPrefix(".") { paths.append(argument + "/" + name) }
            }
            closedir(directory)
        } else {
            paths.append(argument)
        }
    }
    guard !paths.isEmpty else {
        print("usage: \(CommandLine.arguments[0]) FILE|DIRECTORY...")
        exit(1)
    }
    for path in paths.sorted() {
        guard let file = fopen(path, "rb") else {
            print("cannot read \(path)")
            exit(1)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        fclose(file)
        _ = bytes.withUnsafeBufferPointer { harness($0.baseAddress, $0.count) }
    }
    print("\(paths.count) inputs passed")
}
