import XCTest

@testable import HTTPClient

final class OutboundURLTests: XCTestCase {
    private func parse(_ text: String) throws -> OutboundURL {
        try OutboundURL(parsing: text)
    }

    private func assertRefused(_ text: String, _ expected: OutboundURLError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try OutboundURL(parsing: text), text, file: file, line: line) { error in
            XCTAssertEqual(error as? OutboundURLError, expected, text, file: file, line: line)
        }
    }

    func testHTTPSWithDefaultPortAndPath() throws {
        let url = try parse("https://hooks.example.com")
        XCTAssertEqual(url.scheme, .https)
        XCTAssertEqual(url.host, "hooks.example.com")
        XCTAssertEqual(url.port, 443)
        XCTAssertEqual(url.pathAndQuery, "/")
        XCTAssertEqual(url.authority, "hooks.example.com")
        XCTAssertEqual(url.description, "https://hooks.example.com/")
    }

    func testSchemeAndHostAreLowercasedAndPathKeptAsWritten() throws {
        let url = try parse("HTTP://Hooks.EXAMPLE.com:8080/Path/To?Q=A%2Fb&x")
        XCTAssertEqual(url.scheme, .http)
        XCTAssertEqual(url.host, "hooks.example.com")
        XCTAssertEqual(url.port, 8080)
        XCTAssertEqual(url.pathAndQuery, "/Path/To?Q=A%2Fb&x")
        XCTAssertEqual(url.authority, "hooks.example.com:8080")
    }

    func testQueryWithoutPathGetsTheRootPath() throws {
        XCTAssertEqual(try parse("https://a.example?x=1").pathAndQuery, "/?x=1")
    }

    func testExplicitDefaultPortIsLeftOutOfTheAuthority() throws {
        let url = try parse("http://a.example:80/")
        XCTAssertEqual(url.port, 80)
        XCTAssertEqual(url.authority, "a.example")
    }

    func testTrailingDotIsDropped() throws {
        XCTAssertEqual(try parse("https://a.example./x").host, "a.example")
    }

    func testIPv4Literal() throws {
        let url = try parse("http://203.0.113.9:8080/hook")
        XCTAssertEqual(url.host, "203.0.113.9")
        XCTAssertEqual(url.ipAddress, IPAddress(literal: "203.0.113.9"))
    }

    func testIPv6LiteralInBracketsIsCanonicalized() throws {
        let url = try parse("https://[2001:DB8:0:0::1]:8443/x")
        XCTAssertEqual(url.host, "2001:db8::1")
        XCTAssertEqual(url.port, 8443)
        XCTAssertEqual(url.authority, "[2001:db8::1]:8443")
        XCTAssertEqual(url.description, "https://[2001:db8::1]:8443/x")
        XCTAssertEqual(try parse("http://[::1]/").authority, "[::1]")
    }

    func testPortBounds() throws {
        XCTAssertEqual(try parse("http://a.example:1/").port, 1)
        XCTAssertEqual(try parse("http://a.example:65535/").port, 65535)
        assertRefused("http://a.example:0/", .invalidPort)
        assertRefused("http://a.example:65536/", .invalidPort)
        assertRefused("http://a.example:/", .invalidPort)
        assertRefused("http://a.example:80a/", .invalidPort)
        assertRefused("http://a.example:-1/", .invalidPort)
        assertRefused("http://a.example:000080/", .invalidPort)
        assertRefused("http://[::1]:/", .invalidPort)
    }

    func testSchemesOtherThanHTTPAreRefused() {
        assertRefused("ftp://a.example/", .unsupportedScheme("ftp"))
        assertRefused("FILE:///etc/passwd", .unsupportedScheme("file"))
        assertRefused("gopher://a.example/", .unsupportedScheme("gopher"))
        assertRefused("javascript:alert(1)", .unsupportedScheme("javascript"))
    }

    func testRelativeOrSchemeLessURLsAreRefused() {
        assertRefused("a.example/hook", .notAbsolute)
        assertRefused("//a.example/hook", .notAbsolute)
        assertRefused("/hook", .notAbsolute)
        assertRefused("http:a.example", .notAbsolute)
        assertRefused("http:/a.example", .notAbsolute)
        assertRefused("", .notAbsolute)
    }

    func testUserinfoIsRefused() {
        assertRefused("https://user:secret@a.example/", .userinfo)
        assertRefused("https://user@a.example/", .userinfo)
        assertRefused("https://a.example@127.0.0.1/", .userinfo)
    }

    func testFragmentIsRefused() {
        assertRefused("https://a.example/#top", .fragment)
        assertRefused("https://a.example#", .fragment)
    }

    func testSpacesControlAndNonASCIIAreRefused() {
        assertRefused("https://a.example/a b", .invalidCharacter(0x20))
        assertRefused(" https://a.example/", .invalidCharacter(0x20))
        assertRefused("https://a.example/\r\nX: y", .invalidCharacter(0x0D))
        assertRefused("https://a.example/\t", .invalidCharacter(0x09))
        assertRefused("https://a.example/\u{7F}", .invalidCharacter(0x7F))
        assertRefused("https://a.example/\0", .invalidCharacter(0))
        assertRefused("https://例子.测试/", .invalidCharacter(0xE4))
        assertRefused("https://a.example/é", .invalidCharacter(0xC3))
    }

    func testBytesRFC3986AllowsNowhereAreRefused() {
        assertRefused("https://a.example\\@evil.example/", .invalidCharacter(UInt8(ascii: "\\")))
        assertRefused("https://a.example/<x>", .invalidCharacter(UInt8(ascii: "<")))
        assertRefused("https://a.example/{x}", .invalidCharacter(UInt8(ascii: "{")))
        assertRefused("https://a.example/x|y", .invalidCharacter(UInt8(ascii: "|")))
        assertRefused("https://a.example/[x]", .invalidCharacter(UInt8(ascii: "[")))
    }

    func testEmptyHostIsRefused() {
        assertRefused("https:///hook", .emptyHost)
        assertRefused("https://", .emptyHost)
        assertRefused("https://:443/", .emptyHost)
        assertRefused("https://?x", .emptyHost)
    }

    func testMalformedHostNamesAreRefused() {
        assertRefused("https://a..example/", .invalidHost)
        assertRefused("https://.a.example/", .invalidHost)
        assertRefused("https://-a.example/", .invalidHost)
        assertRefused("https://a-.example/", .invalidHost)
        assertRefused("https://a%2eexample/", .invalidHost)
        assertRefused("https://a.example../", .invalidHost)
        assertRefused("https://\(String(repeating: "a", count: 64)).example/", .invalidHost)
        assertRefused("https://::1/", .invalidHost)
        XCTAssertEqual(try parse("https://\(String(repeating: "a", count: 63)).example/").port, 443)
        XCTAssertEqual(try parse("https://my_hooks.example/").host, "my_hooks.example")
    }

    func testNumericHostsMustBeDottedDecimalIPv4() {
        for host in [
            "127.1", "2130706433", "0x7f.0.0.1", "0x7f000001", "017700000001", "127.0.0.01", "256.0.0.1", "1.2.3.4.5", "a.b.0x10",
            "example.123",
        ] {
            assertRefused("http://\(host)/", .invalidIPv4)
        }
    }

    func testIPv6LiteralsMustBeValidAndZoneless() {
        assertRefused("http://[::1/", .invalidIPv6)
        assertRefused("http://[127.0.0.1]/", .invalidIPv6)
        assertRefused("http://[fe80::1%25eth0]/", .invalidIPv6)
        assertRefused("http://[:::1]/", .invalidIPv6)
        assertRefused("http://[]/", .invalidIPv6)
        assertRefused("http://[::1]x/", .invalidHost)
    }

    func testPercentEncodingMustBeComplete() throws {
        XCTAssertEqual(try parse("https://a.example/%E5%BC%A0").pathAndQuery, "/%E5%BC%A0")
        assertRefused("https://a.example/%", .invalidPercentEncoding)
        assertRefused("https://a.example/%4", .invalidPercentEncoding)
        assertRefused("https://a.example/%zz", .invalidPercentEncoding)
    }

    func testLengthLimit() throws {
        let prefix = "https://a.example/"
        let longest = prefix + String(repeating: "x", count: OutboundURL.maximumLength - prefix.utf8.count)
        XCTAssertEqual(try parse(longest).pathAndQuery.utf8.count, OutboundURL.maximumLength - "https://a.example".utf8.count)
        assertRefused(longest + "x", .tooLong)
    }

    func testReasonsAreSentencesForPeople() {
        XCTAssertEqual(OutboundURLError.userinfo.reason, "the URL must not contain a user name or password")
        XCTAssertEqual(OutboundURLError.unsupportedScheme("ftp").reason, "the scheme \"ftp\" is not supported: use http or https")
        XCTAssertEqual(OutboundURLError.invalidCharacter(0x20).reason, "the URL contains a space or a control character")
        XCTAssertEqual(
            OutboundURLError.invalidCharacter(UInt8(ascii: "\\")).reason, "the URL contains the character \\, which is not allowed there")
        XCTAssertEqual("\(OutboundURLError.invalidPort)", "the port must be a number from 1 to 65535")
    }
}
