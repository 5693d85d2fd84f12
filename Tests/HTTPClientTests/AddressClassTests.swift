import XCTest

@testable import HTTPClient

final class AddressClassTests: XCTestCase {
    private func assertClass(_ literal: String, _ expected: AddressClass, file: StaticString = #filePath, line: UInt = #line) {
        guard let address = IPAddress(literal: literal) else {
            XCTFail("\(literal) is not an address", file: file, line: line)
            return
        }
        XCTAssertEqual(AddressClass(address), expected, literal, file: file, line: line)
        XCTAssertEqual(AddressPolicy.isForbidden(address), expected != .global, literal, file: file, line: line)
    }

    func testIPv4RangesAndTheirEdges() {
        assertClass("0.0.0.0", .unspecified)
        assertClass("0.255.255.255", .unspecified)
        assertClass("1.0.0.0", .global)
        assertClass("9.255.255.255", .global)
        assertClass("10.0.0.0", .privateNetwork)
        assertClass("10.255.255.255", .privateNetwork)
        assertClass("11.0.0.0", .global)
        assertClass("100.63.255.255", .global)
        assertClass("100.64.0.0", .privateNetwork)
        assertClass("100.127.255.255", .privateNetwork)
        assertClass("100.128.0.0", .global)
        assertClass("126.255.255.255", .global)
        assertClass("127.0.0.0", .loopback)
        assertClass("127.0.0.1", .loopback)
        assertClass("127.255.255.255", .loopback)
        assertClass("128.0.0.0", .global)
        assertClass("169.253.255.255", .global)
        assertClass("169.254.0.0", .linkLocal)
        assertClass("169.254.169.254", .linkLocal)
        assertClass("169.254.255.255", .linkLocal)
        assertClass("169.255.0.0", .global)
        assertClass("172.15.255.255", .global)
        assertClass("172.16.0.0", .privateNetwork)
        assertClass("172.31.255.255", .privateNetwork)
        assertClass("172.32.0.0", .global)
        assertClass("192.167.255.255", .global)
        assertClass("192.168.0.0", .privateNetwork)
        assertClass("192.168.255.255", .privateNetwork)
        assertClass("192.169.0.0", .global)
        assertClass("223.255.255.255", .global)
        assertClass("224.0.0.0", .multicast)
        assertClass("239.255.255.255", .multicast)
        assertClass("240.0.0.0", .reserved)
        assertClass("255.255.255.254", .reserved)
        assertClass("255.255.255.255", .broadcast)
        assertClass("8.8.8.8", .global)
        assertClass("203.0.113.9", .global)
    }

    func testIPv6Ranges() {
        assertClass("::", .unspecified)
        assertClass("::1", .loopback)
        assertClass("::2", .reserved)
        assertClass("::127.0.0.1", .reserved)
        assertClass("fe80::", .linkLocal)
        assertClass("fe80::1", .linkLocal)
        assertClass("febf:ffff::1", .linkLocal)
        assertClass("fec0::1", .privateNetwork)
        assertClass("fc00::", .uniqueLocal)
        assertClass("fd12:3456::1", .uniqueLocal)
        assertClass("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .uniqueLocal)
        assertClass("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .global)
        assertClass("fe00::", .global)
        assertClass("ff00::", .multicast)
        assertClass("ff02::1", .multicast)
        assertClass("2001:4860:4860::8888", .global)
        assertClass("2606:4700::1111", .global)
    }

    func testIPv4MappedIPv6IsClassifiedByItsIPv4Address() {
        assertClass("::ffff:127.0.0.1", .loopback)
        assertClass("::ffff:10.1.2.3", .privateNetwork)
        assertClass("::ffff:169.254.169.254", .linkLocal)
        assertClass("::ffff:0.0.0.0", .unspecified)
        assertClass("::ffff:172.15.255.255", .global)
        assertClass("::ffff:8.8.8.8", .global)
        XCTAssertEqual(IPAddress(literal: "::ffff:7f00:1")?.mappedIPv4, IPAddress(literal: "127.0.0.1"))
    }

    func testAddressesFromBytesAndBackToText() {
        XCTAssertEqual(IPAddress(bytes: [192, 168, 1, 10]), .v4(0xC0A8_010A))
        XCTAssertEqual(IPAddress(bytes: [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1]), .v6(high: 0xFE80 << 48, low: 1))
        XCTAssertNil(IPAddress(bytes: [1, 2, 3]))
        XCTAssertEqual(IPAddress(literal: "192.168.1.10")?.bytes, [192, 168, 1, 10])
        XCTAssertEqual(IPAddress(literal: "2001:db8::1")?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress(literal: "::ffff:127.0.0.1")?.description, "::ffff:127.0.0.1")
        XCTAssertEqual(IPAddress.v4(0x7F00_0001).description, "127.0.0.1")
    }

    func testLiteralsAreStrict() {
        for text in ["127.1", "0x7f.0.0.1", "127.0.0.01", "127.0.0.1 ", "[::1]", "fe80::1%eth0", "localhost", "", "1.2.3.4.5"] {
            XCTAssertNil(IPAddress(literal: text), text)
        }
    }

    func testForbiddenLiteralsAtSaveTime() {
        for host in [
            "localhost", "LOCALHOST", "localhost.", "api.localhost", "Api.LocalHost.", "127.0.0.1", "127.0.0.1.", "10.0.0.5",
            "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "255.255.255.255", "224.0.0.1", "::1", "[::1]",
            "[::ffff:127.0.0.1]", "::ffff:10.0.0.1", "fe80::1", "fe80::1%eth0", "fd00::1", "::", "[::]", "127.1", "2130706433",
            "0x7f.0.0.1", "017700000001", "0",
        ] {
            XCTAssertTrue(AddressPolicy.isForbiddenLiteral(host: host), host)
        }
    }

    func testAllowedLiteralsAndNamesAtSaveTime() {
        // Names are judged at delivery, when they are resolved.
        for host in [
            "hooks.example.com", "localhost.example.com", "mylocalhost", "localhost-1", "8.8.8.8", "172.15.255.255", "172.32.0.0",
            "[2606:4700::1111]", "2001:db8::1", "1.1.1.1.", "deadbeef", "0x",
        ] {
            XCTAssertFalse(AddressPolicy.isForbiddenLiteral(host: host), host)
        }
    }
}
