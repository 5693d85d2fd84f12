import XCTest

@testable import CRM

final class ValuesTests: XCTestCase {
    // MARK: Timestamp

    private func normalised(_ text: String) -> String? {
        Timestamp(rfc3339: text)?.rfc3339
    }

    func testTimestampNormalisesOffsetsToUTC() {
        XCTAssertEqual(normalised("2026-11-23T16:15:30.123+08:00"), "2026-11-23T08:15:30.123Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.123Z"), "2026-11-23T08:15:30.123Z")
        XCTAssertEqual(normalised("2026-11-23T03:15:30.123-05:00"), "2026-11-23T08:15:30.123Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.123-00:00"), "2026-11-23T08:15:30.123Z")
        XCTAssertEqual(normalised("2026-11-23t08:15:30.123z"), "2026-11-23T08:15:30.123Z")
        XCTAssertEqual(normalised("2026-11-23T05:45:30+05:30"), "2026-11-23T00:15:30.000Z")
        // Offsets that move across a day, month and year boundary.
        XCTAssertEqual(normalised("2027-01-01T07:59:59.999+08:00"), "2026-12-31T23:59:59.999Z")
        XCTAssertEqual(normalised("2024-02-28T20:00:00-04:00"), "2024-02-29T00:00:00.000Z")
        XCTAssertEqual(normalised("2026-03-01T01:00:00+23:59"), "2026-02-28T01:01:00.000Z")
    }

    func testTimestampFractions() {
        XCTAssertEqual(normalised("2026-11-23T08:15:30Z"), "2026-11-23T08:15:30.000Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.1Z"), "2026-11-23T08:15:30.100Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.12Z"), "2026-11-23T08:15:30.120Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.123456Z"), "2026-11-23T08:15:30.123Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.999999999Z"), "2026-11-23T08:15:30.999Z")
        XCTAssertEqual(normalised("2026-11-23T08:15:30.000001+01:00"), "2026-11-23T07:15:30.000Z")
    }

    func testTimestampValidatesCalendar() {
        XCTAssertEqual(normalised("2024-02-29T12:00:00Z"), "2024-02-29T12:00:00.000Z")
        XCTAssertEqual(normalised("2000-02-29T00:00:00Z"), "2000-02-29T00:00:00.000Z")
        XCTAssertNil(normalised("2026-02-29T12:00:00Z"))
        XCTAssertNil(normalised("1900-02-29T12:00:00Z"))
        XCTAssertNil(normalised("2026-04-31T12:00:00Z"))
        XCTAssertNil(normalised("2026-13-01T12:00:00Z"))
        XCTAssertNil(normalised("2026-00-01T12:00:00Z"))
        XCTAssertNil(normalised("2026-01-00T12:00:00Z"))
        XCTAssertNil(normalised("2026-01-32T12:00:00Z"))
        XCTAssertNil(normalised("0000-01-01T00:00:00Z"))
    }

    func testTimestampRejectsMalformedText() {
        let invalid = [
            "2026-11-23T24:00:00Z",  // 24:00 is not a time of day
            "2026-11-23T23:60:00Z",
            "2026-11-23T23:59:60Z",  // leap second
            "2026-11-23T08:15:30.123",  // missing offset
            "2026-11-23T08:15:30",
            "2026-11-23",
            "2026-11-23 08:15:30Z",
            "2026-11-23T08:15Z",
            "2026-11-23T08:15:30.Z",
            "2026-11-23T08:15:30+08",
            "2026-11-23T08:15:30+0800",
            "2026-11-23T08:15:30+24:00",
            "2026-11-23T08:15:30+08:60",
            "2026-11-23T08:15:30ZZ",
            "2026-11-23T08:15:30Z ",
            " 2026-11-23T08:15:30Z",
            "26-11-23T08:15:30Z",
            "2026-1-23T08:15:30Z",
            "2026/11/23T08:15:30Z",
            "2026-11-23T8:15:30Z",
            "+2026-11-23T08:15:30Z",
            "2026-11-23T08:15:30.12a3Z",
            "２０２６-11-23T08:15:30Z",
            "",
        ]
        for text in invalid {
            XCTAssertNil(Timestamp(rfc3339: text), text)
        }
    }

    func testTimestampRange() {
        XCTAssertEqual(Timestamp(rfc3339: "0001-01-01T00:00:00Z"), Timestamp.earliest)
        XCTAssertEqual(Timestamp(rfc3339: "9999-12-31T23:59:59.999Z"), Timestamp.latest)
        XCTAssertNil(Timestamp(rfc3339: "0001-01-01T00:00:00+00:01"))  // year 0 in UTC
        XCTAssertNil(Timestamp(rfc3339: "9999-12-31T23:59:59-00:01"))  // year 10000 in UTC
        XCTAssertEqual(Timestamp.earliest.rfc3339, "0001-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp.latest.rfc3339, "9999-12-31T23:59:59.999Z")
    }

    func testTimestampEpochAndNegativeValues() {
        XCTAssertEqual(Timestamp(millisecondsSinceEpoch: 0).rfc3339, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(Timestamp(millisecondsSinceEpoch: -1).rfc3339, "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(Timestamp(rfc3339: "1969-12-31T23:59:59.999Z")?.millisecondsSinceEpoch, -1)
        XCTAssertEqual(Timestamp(rfc3339: "2026-11-23T08:15:30.123Z")?.millisecondsSinceEpoch, 1_795_421_730_123)
    }

    func testTimestampRoundTripsAcrossCenturies() {
        // Every 97 days and odd milliseconds from 1600 to 2400.
        var milliseconds: Int64 = -11_676_096_000_000
        while milliseconds < 13_569_465_600_000 {
            let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            XCTAssertEqual(Timestamp(rfc3339: timestamp.rfc3339), timestamp, timestamp.rfc3339)
            milliseconds += 97 * 86_400_000 + 3_723_457
        }
    }

    func testTimestampArithmeticAndOrder() {
        let start = Timestamp(rfc3339: "2024-02-28T23:59:59.500Z")!
        XCTAssertEqual(start.adding(days: 1).rfc3339, "2024-02-29T23:59:59.500Z")
        XCTAssertEqual(start.adding(seconds: 1).rfc3339, "2024-02-29T00:00:00.500Z")
        XCTAssertEqual(start.adding(milliseconds: 500).rfc3339, "2024-02-29T00:00:00.000Z")
        XCTAssertEqual(start.adding(days: -59).rfc3339, "2023-12-31T23:59:59.500Z")
        XCTAssertEqual(start.adding(seconds: 90).milliseconds(since: start), 90_000)
        XCTAssertLessThan(start, start.adding(milliseconds: 1))
        XCTAssertEqual(start.description, start.rfc3339)
        let now = Timestamp.now()
        XCTAssertGreaterThan(now, Timestamp(rfc3339: "2024-01-01T00:00:00Z")!)
        XCTAssertLessThan(now, Timestamp.latest)
    }

    // MARK: CalendarDate

    func testCalendarDateParsing() {
        XCTAssertEqual(CalendarDate("2026-11-23")?.description, "2026-11-23")
        XCTAssertEqual(CalendarDate("2024-02-29")?.day, 29)
        XCTAssertEqual(CalendarDate("0001-01-01")?.year, 1)
        XCTAssertEqual(CalendarDate("9999-12-31")?.month, 12)
        for text in [
            "2026-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
            "0000-01-01", "2026-1-01", "2026-01-1", "20260101", "2026/01/01", " 2026-01-01",
            "2026-01-01 ", "2026-01-01T00:00:00Z", "-2026-01-01", "2026-01-0a", "",
        ] {
            XCTAssertNil(CalendarDate(text), text)
        }
        XCTAssertNil(CalendarDate(year: 2026, month: 2, day: 29))
        XCTAssertNotNil(CalendarDate(year: 2000, month: 2, day: 29))
    }

    func testCalendarDateDayArithmetic() {
        let epoch = CalendarDate("1970-01-01")!
        XCTAssertEqual(epoch.daysSinceEpoch, 0)
        XCTAssertEqual(CalendarDate("2000-03-01")?.daysSinceEpoch, 11_017)
        XCTAssertEqual(CalendarDate("1969-12-31")?.daysSinceEpoch, -1)
        XCTAssertEqual(CalendarDate("0001-01-01")?.daysSinceEpoch, -719_162)
        XCTAssertEqual(CalendarDate(daysSinceEpoch: 20_515).description, "2026-03-03")
        let leap = CalendarDate("2024-02-28")!
        XCTAssertEqual(leap.adding(days: 1).description, "2024-02-29")
        XCTAssertEqual(leap.adding(days: 2).description, "2024-03-01")
        XCTAssertEqual(CalendarDate("2026-02-28")!.adding(days: 1).description, "2026-03-01")
        XCTAssertEqual(CalendarDate("2026-12-31")!.adding(days: 1).description, "2027-01-01")
        XCTAssertEqual(CalendarDate("2026-01-01")!.adding(days: -1).description, "2025-12-31")
        XCTAssertEqual(CalendarDate("2024-01-01")!.days(to: CalendarDate("2025-01-01")!), 366)
        XCTAssertEqual(CalendarDate("2026-11-23")?.isoWeekday, 1)  // a Monday
        XCTAssertEqual(epoch.isoWeekday, 4)  // a Thursday
        XCTAssertEqual(CalendarDate("1969-12-28")?.isoWeekday, 7)
        XCTAssertLessThan(CalendarDate("2026-01-31")!, CalendarDate("2026-02-01")!)
        // Every day from 1900 to 2100 converts both ways and counts consecutively.
        var previous = CalendarDate("1899-12-31")!
        for days in CalendarDate("1900-01-01")!.daysSinceEpoch...CalendarDate("2100-12-31")!.daysSinceEpoch {
            let date = CalendarDate(daysSinceEpoch: days)
            XCTAssertEqual(date.daysSinceEpoch, days)
            XCTAssertEqual(CalendarDate(date.description), date)
            XCTAssertLessThan(previous, date)
            previous = date
        }
    }

    func testCalendarDateAndTimestamp() {
        let timestamp = Timestamp(rfc3339: "2026-11-23T23:30:00-01:00")!  // 00:30 UTC next day
        XCTAssertEqual(CalendarDate(timestamp).description, "2026-11-24")
        XCTAssertEqual(CalendarDate(timestamp).startTimestamp.rfc3339, "2026-11-24T00:00:00.000Z")
        XCTAssertEqual(CalendarDate(Timestamp(millisecondsSinceEpoch: -1)).description, "1969-12-31")
        XCTAssertEqual(CalendarDate("1969-12-31")?.startTimestamp.millisecondsSinceEpoch, -86_400_000)
    }

    // MARK: Codes

    func testCountryCodes() {
        for code in ["CN", "US", "GB", "DE", "JP", "HK", "TW", "MO", "SS", "CW", "AX", "ZW"] {
            XCTAssertTrue(CountryCode.isValid(code), code)
        }
        for code in ["cn", "Cn", "UK", "EU", "XK", "ZZ", "AA", "QZ", "CHN", "C", "", "YU", "AN", "C N"] {
            XCTAssertFalse(CountryCode.isValid(code), code)
        }
        XCTAssertEqual(CountryCode.assigned.count, 249)
    }

    func testCurrencyCodes() {
        for code in ["CNY", "USD", "EUR", "JPY", "KWD", "GBP", "HKD", "CLF", "XCG", "ZWG", "XOF"] {
            XCTAssertTrue(CurrencyCode.isValid(code), code)
        }
        for code in ["cny", "RMB", "US", "USDT", "XAU", "XXX", "XTS", "HRK", "DEM", "BTC", ""] {
            XCTAssertFalse(CurrencyCode.isValid(code), code)
        }
        XCTAssertEqual(CurrencyCode.minorUnitDigits("CNY"), 2)
        XCTAssertEqual(CurrencyCode.minorUnitDigits("USD"), 2)
        XCTAssertEqual(CurrencyCode.minorUnitDigits("JPY"), 0)
        XCTAssertEqual(CurrencyCode.minorUnitDigits("KRW"), 0)
        XCTAssertEqual(CurrencyCode.minorUnitDigits("KWD"), 3)
        XCTAssertEqual(CurrencyCode.minorUnitDigits("BHD"), 3)
        XCTAssertEqual(CurrencyCode.minorUnitDigits("CLF"), 4)
        XCTAssertNil(CurrencyCode.minorUnitDigits("XAU"))
        XCTAssertNil(CurrencyCode.minorUnitDigits("cny"))
    }

    // MARK: Email

    func testValidEmailAddresses() {
        for address in [
            "a@b.co", "li.lei@example.cn", "first.last+tag@sub.example.com", "o'brien@example.ie",
            "user_name-1@my-domain.org", "UPPER@EXAMPLE.COM", "用户@例子.中国", "josé@exämple.de",
            "x@xn--fsqu00a.xn--fiqs8s", "a@1.example", String(repeating: "l", count: 64) + "@example.com",
            "user@example.c0m", "a.b.c@d-e.f-g.hi", "!#$%&*+/=?^`{|}~@example.com",
        ] {
            XCTAssertTrue(EmailAddress.isValid(address), address)
        }
    }

    func testInvalidEmailAddresses() {
        let longDomain = (0..<5).map { _ in String(repeating: "d", count: 60) }.joined(separator: ".")
        for address in [
            "", "plain", "@example.com", "user@", "user@localhost", "a@@b.com", "a@b@c.com",
            "user name@example.com", "user@exa mple.com", " user@example.com", "user@example.com ",
            "user\n@example.com", "user@-example.com", "user@example-.com", "user@example..com",
            "user@.example.com", "user@example.com.", "user@example.123", "user@[127.0.0.1]",
            ".user@example.com", "user.@example.com", "us..er@example.com", "\"quoted\"@example.com",
            "a,b@example.com", "a<b>@example.com", "user@exam_ple.com", "user@example.c😀m",
            String(repeating: "l", count: 65) + "@example.com", "u@" + longDomain + ".com",
            "u@" + String(repeating: "d", count: 64) + ".com",
            // Both sides of the ASCII fast path: CR LF is one character, é is not ASCII.
            "a\r\n@b.com", "a@b.com\r\n", "user@exa\u{7F}mple.com", "user@example.-", "us..ér@example.com",
            "ér@example..com", "ér@-example.com", "ér@@example.com",
        ] {
            XCTAssertFalse(EmailAddress.isValid(address), address)
        }
    }

    func testEmailNormalisation() {
        XCTAssertEqual(EmailAddress.normalized("  Li.Lei@Example.CN \n"), "li.lei@example.cn")
        XCTAssertEqual(EmailAddress.normalized("\u{3000}USER@例子.中国\t"), "user@例子.中国")
        XCTAssertEqual(EmailAddress.normalized("   "), "")
        XCTAssertTrue(EmailAddress.isValid(EmailAddress.normalized(" Ada@Example.com ")))
    }

    // MARK: Phone

    func testPhoneNumbers() {
        for number in [
            "+86 138-0013-8000", "13800138000", "(030) 1234 5678", "+1 (555) 010-9999", "555.010.9999",
            "123456", "+123456789012345",
        ] {
            XCTAssertTrue(PhoneNumber.isValid(number), number)
        }
        for number in [
            "", "12345", "+1234567890123456", "call me", "138 0013 8000 ext 2", "++86 138", "86+1380013800",
            "１３８００１３８０００", "138/0013/8000", "+", "------", "+86 138#0013",
        ] {
            XCTAssertFalse(PhoneNumber.isValid(number), number)
        }
        XCTAssertEqual(PhoneNumber.digits("+1 (555) 010-9999"), "15550109999")
        XCTAssertEqual(PhoneNumber.digits("+86 138-0013-8000"), "8613800138000")
        XCTAssertEqual(PhoneNumber.digits("no digits"), "")
    }
}
