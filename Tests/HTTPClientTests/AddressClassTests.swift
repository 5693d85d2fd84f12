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
        assertClass("203.0.113.9", .documentation)
    }

    /// The rest of the IPv4 special-purpose registry's not globally reachable blocks, with
    /// their edges.
    func testIPv4SpecialPurposeRanges() {
        // Documentation (RFC 5737).
        assertClass("192.0.1.255", .global)
        assertClass("192.0.2.0", .documentation)
        assertClass("192.0.2.1", .documentation)
        assertClass("192.0.2.255", .documentation)
        assertClass("192.0.3.0", .global)
        assertClass("198.51.99.255", .global)
        assertClass("198.51.100.0", .documentation)
        assertClass("198.51.100.255", .documentation)
        assertClass("198.51.101.0", .global)
        assertClass("203.0.112.255", .global)
        assertClass("203.0.113.0", .documentation)
        assertClass("203.0.113.255", .documentation)
        assertClass("203.0.114.0", .global)
        // Benchmarking (RFC 2544): a /15.
        assertClass("198.17.255.255", .global)
        assertClass("198.18.0.0", .benchmarking)
        assertClass("198.18.0.1", .benchmarking)
        assertClass("198.19.255.255", .benchmarking)
        assertClass("198.20.0.0", .global)
        // IETF protocol assignments, but for the two anycast addresses the registry marks global.
        assertClass("191.255.255.255", .global)
        assertClass("192.0.0.0", .reserved)
        assertClass("192.0.0.8", .reserved)
        assertClass("192.0.0.9", .global)
        assertClass("192.0.0.10", .global)
        assertClass("192.0.0.11", .reserved)
        assertClass("192.0.0.170", .reserved)
        assertClass("192.0.0.255", .reserved)
        assertClass("192.0.1.0", .global)
        // The deprecated 6to4 relay anycast (RFC 7526).
        assertClass("192.88.98.255", .global)
        assertClass("192.88.99.0", .reserved)
        assertClass("192.88.99.1", .reserved)
        assertClass("192.88.99.255", .reserved)
        assertClass("192.88.100.0", .global)
        // Globally reachable special-purpose blocks stay allowed (AS112, AMT).
        assertClass("192.31.196.1", .global)
        assertClass("192.52.193.1", .global)
        assertClass("192.175.48.1", .global)
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
        // Past the edges of fc00::/7 and fe80::/10 lies space the IETF reserves (outside 2000::/3).
        assertClass("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved)
        assertClass("fe00::", .reserved)
        assertClass("ff00::", .multicast)
        assertClass("ff02::1", .multicast)
        assertClass("2001:4860:4860::8888", .global)
        assertClass("2606:4700::1111", .global)
    }

    /// The rest of the IPv6 special-purpose registry's not globally reachable blocks, with
    /// their edges, and the space outside 2000::/3.
    func testIPv6SpecialPurposeRanges() {
        // Documentation (RFC 3849, RFC 9637).
        assertClass("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", .global)
        assertClass("2001:db8::", .documentation)
        assertClass("2001:db8::1", .documentation)
        assertClass("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", .documentation)
        assertClass("2001:db9::", .global)
        assertClass("3ffe:ffff::1", .global)
        assertClass("3fff::", .documentation)
        assertClass("3fff:fff:ffff::1", .documentation)
        assertClass("3fff:1000::", .global)
        // Benchmarking (RFC 5180).
        assertClass("2001:2::", .benchmarking)
        assertClass("2001:2:0:ffff::1", .benchmarking)
        // IETF protocol assignments 2001::/23, Teredo included, but for the registry's globally
        // reachable blocks within it.
        assertClass("2001::", .reserved)
        assertClass("2001:0:4136:e378:8000:63bf:3fff:fdd2", .reserved)
        assertClass("2001:1::", .reserved)
        assertClass("2001:1::1", .global)
        assertClass("2001:1::2", .global)
        assertClass("2001:1::3", .global)
        assertClass("2001:1::4", .reserved)
        assertClass("2001:2:1::", .reserved)
        assertClass("2001:3::1", .global)
        assertClass("2001:4:112::1", .global)
        assertClass("2001:4:113::1", .reserved)
        assertClass("2001:10::1", .reserved)
        assertClass("2001:20::1", .global)
        assertClass("2001:2f:ffff::1", .global)
        assertClass("2001:30::1", .global)
        assertClass("2001:40::1", .reserved)
        assertClass("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved)
        assertClass("2001:200::1", .global)
        // Local-use IPv4/IPv6 translation (RFC 8215).
        assertClass("64:ff9b:1::", .privateNetwork)
        assertClass("64:ff9b:1:ffff::808:808", .privateNetwork)
        // Outside 2000::/3: discard-only (RFC 6666), dummy (RFC 9780), SRv6 SIDs (RFC 9602),
        // IPv4-translated (RFC 2765) and the rest of the IETF's reserved space.
        assertClass("100::", .reserved)
        assertClass("100::ffff:ffff:ffff:ffff", .reserved)
        assertClass("100:0:0:1::", .reserved)
        assertClass("100:0:0:1:ffff:ffff:ffff:ffff", .reserved)
        assertClass("5f00::1", .reserved)
        assertClass("5fff::1", .reserved)
        assertClass("::ffff:0:7f00:1", .reserved)
        assertClass("::1:0:0:1", .reserved)
        assertClass("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved)
        assertClass("4000::1", .reserved)
        assertClass("2000::1", .global)
        assertClass("3fff:2000::1", .global)
        // Globally reachable special-purpose blocks stay allowed (AS112).
        assertClass("2620:4f:8000::1", .global)
    }

    /// NAT64's well-known prefix and 6to4 reach the IPv4 address they embed, so it decides.
    func testNAT64And6to4AreClassifiedByTheirEmbeddedIPv4Address() {
        assertClass("64:ff9b::8.8.8.8", .global)
        assertClass("64:ff9b::808:808", .global)
        assertClass("64:ff9b::127.0.0.1", .loopback)
        assertClass("64:ff9b::10.0.0.1", .privateNetwork)
        assertClass("64:ff9b::169.254.169.254", .linkLocal)
        assertClass("64:ff9b::198.18.0.1", .benchmarking)
        assertClass("64:ff9b::192.0.2.1", .documentation)
        assertClass("64:ff9b::", .unspecified)
        // Bits between the /96 prefix and the embedded address: not a NAT64 address.
        assertClass("64:ff9b::1:808:808", .reserved)
        assertClass("2002:808:808::1", .global)
        assertClass("2002:7f00:1::1", .loopback)
        assertClass("2002:a00:1::", .privateNetwork)
        assertClass("2002:a9fe:a9fe::1", .linkLocal)
        assertClass("2002:c000:201::1", .documentation)
        assertClass("2002::1", .unspecified)
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
            "0x7f.0.0.1", "017700000001", "0", "198.18.0.1", "198.19.255.255", "192.0.2.1", "198.51.100.7", "203.0.113.9",
            "192.0.0.8", "192.88.99.1", "[2001:db8::1]", "2001:db8::1", "[3fff::1]", "[2001:2::1]", "[2001::1]", "[64:ff9b::127.0.0.1]",
            "[64:ff9b::a00:1]", "[64:ff9b:1::808:808]", "[2002:7f00:1::1]", "[100::1]", "[5f00::1]", "3232235521", "0xc6120001",
        ] {
            XCTAssertTrue(AddressPolicy.isForbiddenLiteral(host: host), host)
        }
    }

    func testAllowedLiteralsAndNamesAtSaveTime() {
        // Names are judged at delivery, when they are resolved.
        for host in [
            "hooks.example.com", "localhost.example.com", "mylocalhost", "localhost-1", "8.8.8.8", "172.15.255.255", "172.32.0.0",
            "[2606:4700::1111]", "1.1.1.1.", "deadbeef", "0x", "198.20.0.1", "203.0.114.1", "[64:ff9b::8.8.8.8]",
            "[2002:808:808::1]", "[2001:db9::1]",
        ] {
            XCTAssertFalse(AddressPolicy.isForbiddenLiteral(host: host), host)
        }
    }
}
