import CRM
import XCTest

/// A real server and a customers session, fresh for every test.
class CustomerTestCase: XCTestCase {
    var server: TestServer!
    var api: APISession!

    override func setUpWithError() throws {
        server = try TestServer()
        api = try APISession(server)
    }

    override func tearDown() { server?.stop() }
}

/// A real server on a fixed clock and a sales client, fresh for every test.
class SalesTestCase: XCTestCase {
    var server: TestServer!
    var sales: SalesClient!
    var clock: CRMClock!

    override func setUpWithError() throws {
        clock = SalesTime.clock()
        server = try TestServer(clock: clock)
        sales = try SalesClient(server)
    }

    override func tearDown() { server?.stop() }
}

/// A real server on a fixed clock, a support session (an admin key) and one customer, fresh for
/// every test.
class SupportTestCase: XCTestCase {
    var server: TestServer!
    var clock: CRMClock!
    var api: SupportSession!
    var customer = 0
    /// Off for suites that create every customer they use themselves.
    var createsCustomer: Bool { true }

    override func setUpWithError() throws {
        clock = SupportTime.clock()
        server = try TestServer(clock: clock)
        api = try SupportSession(server)
        if createsCustomer { customer = try api.customer() }
    }

    override func tearDown() { server?.stop() }
}
