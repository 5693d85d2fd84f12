import API
import XCTest

@testable import crm_server

/// The body options the hostile-input work added: `--body-timeout` and `--max-body-memory`, by
/// flag and by environment, with their defaults in `--help`.
final class BodyLimitOptionTests: XCTestCase {
    private func configuration(_ arguments: [String], environment: [String: String] = [:]) throws -> Configuration {
        try CommandLineParser.parse(arguments: arguments, environment: environment).1
    }

    func testDefaults() throws {
        let defaults = try configuration([])
        XCTAssertEqual(defaults.bodyTimeout, .seconds(30))
        XCTAssertEqual(defaults.maxBodyMemory, 64 << 20)
    }

    func testFlagsAndVariables() throws {
        let flags = try configuration(["serve", "--body-timeout", "500ms", "--max-body-memory", "8MiB"])
        XCTAssertEqual(flags.bodyTimeout, .milliseconds(500))
        XCTAssertEqual(flags.maxBodyMemory, 8 << 20)
        let environment = try configuration([], environment: ["CRM_BODY_TIMEOUT": "2s", "CRM_MAX_BODY_MEMORY": "512KiB"])
        XCTAssertEqual(environment.bodyTimeout, .seconds(2))
        XCTAssertEqual(environment.maxBodyMemory, 512 << 10)
        XCTAssertThrowsError(try configuration(["--body-timeout", "soon"]))
        XCTAssertThrowsError(try configuration(["--max-body-memory", "lots"]))
    }

    func testHelpListsThemWithVariablesAndDefaults() throws {
        guard case .help(let text) = try CommandLineParser.parse(arguments: ["--help"], environment: [:]).0 else {
            return XCTFail("--help is not a help request")
        }
        XCTAssertTrue(text.contains("--body-timeout"))
        XCTAssertTrue(text.contains("env CRM_BODY_TIMEOUT, default 30s"))
        XCTAssertTrue(text.contains("--max-body-memory"))
        XCTAssertTrue(text.contains("env CRM_MAX_BODY_MEMORY, default 64MiB"))
    }
}
