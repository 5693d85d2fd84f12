// libFuzzer harness for the JSON reader and writer (README "Fuzzing"). Built with
// `-sanitize=fuzzer,address -DFUZZING` by .ci/fuzz, `main` hands over to libFuzzer's driver,
// which calls `LLVMFuzzerTestOneInput`; in the plain build `main` replays files instead, so
// that `swift build` keeps building this target and a crash file reruns without sanitizers.
import JSON

#if canImport(Glibc)
    import Glibc
#endif

/// One input: the whole of it is the document.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    checkJSON(bytes)
    return 0
}

/// Parses `bytes` every way the server does and traps when the ways disagree, when an accepted
/// document breaks a documented rule, or when writing it out and reading it back changes it.
func checkJSON(_ bytes: [UInt8]) {
    let lenient = parse { () throws(JSONParseError) in try JSONParser.parse(bytes) }
    let exact = parse { () throws(JSONParseError) in try JSONParser.parse(bytes, exactNumbers: true) }
    let raw = bytes.withUnsafeBytes { buffer in
        parse { () throws(JSONParseError) in try JSONParser.parse(buffer) }
    }
    precondition(raw == lenient, "raw memory and array parses differ")
    if let text = String(validating: bytes, as: UTF8.self) {
        let fromString = parse { () throws(JSONParseError) in try JSONParser.parse(text) }
        precondition(fromString == lenient, "string and array parses differ")
    }

    switch lenient {
    case .failure(let error):
        precondition(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside the input")
        guard case .failure = exact else { preconditionFailure("exact numbers accepted what the lenient parse refused") }
        _ = error.message
    case .success(let value):
        if case .success(let exactValue) = exact {
            precondition(exactValue == value, "exact and lenient parses differ")
        } else if case .failure(let error) = exact {
            precondition(error.reason == .inexactNumber, "exact parse refused with \(error)")
        }
        precondition(depth(of: value) <= JSONParser.maximumDepth, "nesting beyond maximumDepth")
        // Writing out and reading back: the same value, the same bytes, and every number exact
        // (the writer's numbers are shortest round-trip forms).
        let written = value.serialized()
        guard let reread = try? JSONParser.parse(written, exactNumbers: true) else {
            preconditionFailure("the writer's output does not parse: \(String(decoding: written, as: UTF8.self))")
        }
        precondition(reread == value, "read back as a different value")
        precondition(reread.serialized() == written, "written differently the second time")
        precondition(String(validating: written, as: UTF8.self) != nil, "the writer wrote invalid UTF-8")
    }
}

func parse(_ body: () throws(JSONParseError) -> JSONValue) -> Result<JSONValue, JSONParseError> {
    do throws(JSONParseError) {
        return .success(try body())
    } catch {
        return .failure(error)
    }
}

/// `[[1]]` has depth 2, as ``JSONParser/maximumDepth`` counts.
func depth(of value: JSONValue) -> Int {
    switch value {
    case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
    case .object(let object): 1 + (object.values.map(depth(of:)).max() ?? 0)
    default: 0
    }
}

@main
enum Main {
    static func main() {
        #if FUZZING
            // libFuzzer's own driver, with its command line (-runs, -max_total_time, corpus folders…).
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzJSON))
        #else
            // Without libFuzzer: every file named on the command line, or found in a folder named
            // there, goes through the harness once, e.g. `FuzzJSON Tests/Fuzz/corpus/json crash-1234`.
            replay(arguments: Array(CommandLine.arguments.dropFirst()), through: fuzzJSON)
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
