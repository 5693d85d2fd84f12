import Postgres
import XCTest

/// What a message may show of a connection string: everything but the password.
final class ConnectionConfigurationTests: XCTestCase {
    private func redacted(_ text: String) -> String {
        ConnectionConfiguration(text).redactedConnectionString
    }

    func testAURLWithoutAPasswordIsShownAsGiven() {
        for url in [
            "postgres://crm@db.internal:5432/crm?sslmode=require",
            "postgresql:///crm?host=/run/postgresql",
            "postgres://db/crm",
            "postgres://crm@[::1]:5432/crm",
        ] {
            XCTAssertEqual(redacted(url), url)
        }
    }

    func testAURLsPasswordIsHidden() {
        XCTAssertEqual(redacted("postgres://crm:s3cret@db:5432/crm"), "postgres://crm:****@db:5432/crm")
        XCTAssertEqual(redacted("postgresql://crm:p@ss:w%2Frd@db/crm"), "postgresql://crm:****@db/crm")
        XCTAssertEqual(redacted("postgres://crm:x@db"), "postgres://crm:****@db")
        XCTAssertEqual(
            redacted("postgres:///crm?host=/tmp&password=s3cret&user=crm"), "postgres:///crm?host=/tmp&password=****&user=crm")
        XCTAssertEqual(redacted("postgres://crm:a@db/crm?password=b"), "postgres://crm:****@db/crm?password=****")
    }

    func testAKeywordValueStringsPasswordIsHidden() {
        XCTAssertEqual(redacted("host=db user=crm password=s3cret dbname=crm"), "host=db user=crm password=**** dbname=crm")
        XCTAssertEqual(redacted("password = 'a b\\' c' host=db"), "password=**** host=db")
        XCTAssertEqual(redacted("host=db passwordfile=x"), "host=db passwordfile=x", "another keyword is left alone")
        XCTAssertEqual(redacted("host=db user=crm"), "host=db user=crm")
    }
}
