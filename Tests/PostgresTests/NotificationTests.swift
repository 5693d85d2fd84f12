import Foundation
import Postgres
import PostgresTestSupport
import XCTest

final class NotificationTests: PostgresTestCase {
    func testANotificationReachesTheListeningConnection() throws {
        let listener = try connect()
        let sender = try connect()
        try listener.listen("crm_changes")
        try sender.notify("crm_changes", payload: "客户 42 已更新")
        let notification = try listener.notification(waitingUntil: .now + .seconds(5))
        XCTAssertEqual(
            notification, PostgresNotification(channel: "crm_changes", payload: "客户 42 已更新", senderProcessID: sender.backendProcessID))
    }

    func testWaitingEndsEmptyHandedAtTheDeadline() throws {
        let listener = try connect()
        try listener.listen("quiet")
        let started = ContinuousClock.now
        XCTAssertNil(try listener.notification(waitingUntil: started + .milliseconds(150)))
        let elapsed = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(150))
        XCTAssertLessThan(elapsed, .seconds(1))
        XCTAssertNil(try listener.notification(waitingUntil: .now - .seconds(1)), "a passed deadline only looks")
    }

    func testAWaitingListenerWakesWhenANotificationArrives() throws {
        let listener = try connect()
        try listener.listen("wake")
        let sent = onAnotherConnection { connection in
            Thread.sleep(forTimeInterval: 0.1)
            try connection.notify("wake", payload: "now")
        }
        let started = ContinuousClock.now
        let notification = try listener.notification(waitingUntil: started + .seconds(5))
        XCTAssertEqual(notification?.payload, "now")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "woken by the socket, not by the deadline")
        try sent.wait()
    }

    func testNotificationsAreSentAtCommitAndNotAfterARollback() throws {
        let listener = try connect()
        let sender = try connect()
        try listener.listen("feed")
        try sender.transaction {
            try sender.notify("feed", payload: "1")
            XCTAssertNil(try listener.notification(waitingUntil: .now + .milliseconds(50)), "not before COMMIT")
        }
        XCTAssertEqual(try listener.notification(waitingUntil: .now + .seconds(5))?.payload, "1")
        try sender.execute("BEGIN")
        try sender.notify("feed", payload: "2")
        try sender.execute("ROLLBACK")
        XCTAssertNil(try listener.notification(waitingUntil: .now + .milliseconds(100)))
    }

    func testNotificationsReceivedDuringAQueryAreKept() throws {
        let listener = try connect()
        let sender = try connect()
        try listener.listen("during")
        try sender.notify("during", payload: "a")
        try sender.notify("during", payload: "b")
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(try listener.queryOne("SELECT 1")?.int(0), 1)
        XCTAssertEqual(try listener.notification(waitingUntil: .now)?.payload, "a")
        XCTAssertEqual(try listener.notification(waitingUntil: .now + .seconds(1))?.payload, "b")
    }

    func testAConnectionEndedWhileWaitingIsUnavailable() throws {
        let listener = try connect()
        try listener.listen("ended")
        let processID = Int64(listener.backendProcessID)
        let terminated = onAnotherConnection { connection in
            Thread.sleep(forTimeInterval: 0.1)
            try connection.run("SELECT pg_terminate_backend($1)", [.integer(processID)])
        }
        let started = ContinuousClock.now
        XCTAssertThrowsError(try listener.notification(waitingUntil: started + .seconds(5))) { error in
            XCTAssertEqual((error as? PostgresError)?.isUnavailable, true, "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertTrue(listener.isBroken)
        try terminated.wait()
    }

    func testUnlistenStopsDelivery() throws {
        let listener = try connect()
        let sender = try connect()
        try listener.listen("Mixed Case 频道")
        try listener.unlisten("Mixed Case 频道")
        try sender.notify("Mixed Case 频道")
        XCTAssertNil(try listener.notification(waitingUntil: .now + .milliseconds(100)))
    }
}
