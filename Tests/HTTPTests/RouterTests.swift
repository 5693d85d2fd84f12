import XCTest

@testable import HTTP

/// Route matching on the raw request-target: templates, literal-over-parameter precedence with
/// backtracking, percent-decoding, the canonical-path rule, and 404/405 with `Allow`.
final class RouterTests: XCTestCase {
    private let router: Router = {
        var router = Router()
        let handler: Router.Handler = { _, _, _ in }
        router.add(.get, "/healthz", handler)
        router.add(.get, "/v1/customers", handler)
        router.add(.post, "/v1/customers", handler)
        router.add(.get, "/v1/customers/export", handler)
        router.add(.get, "/v1/customers/{id}", handler)
        router.add(.patch, "/v1/customers/{id}", handler)
        router.add(.delete, "/v1/customers/{id}", handler)
        router.add(.get, "/v1/customers/{id}/timeline", handler)
        router.add(.get, "/v1/customers/export/{format}/files", handler)
        router.add(.get, "/v1/customers/by-external-id/{external_id}", handler)
        router.add(.get, "/v1/webhooks/{id}/deliveries", handler)
        // A parameter that is not an id captures any segment.
        router.add(.get, "/v1/tags/export", handler)
        router.add(.get, "/v1/tags/{name}", handler)
        router.add(.get, "/v1/tags/{name}/timeline", handler)
        router.add(.get, "/v1/tags/export/{format}/files", handler)
        return router
    }()

    /// The template and parameters `target` finds for `method`, or the miss.
    private func match(_ target: String, _ method: HTTPMethod = .get) -> (template: String, parameters: PathParameters)? {
        guard case .found(let template, let parameters, _) = router.match(method, target: target) else { return nil }
        return (template, parameters)
    }

    private func miss(_ target: String, _ method: HTTPMethod = .get) -> Router.RouteMiss? {
        guard case .miss(let miss) = router.match(method, target: target) else { return nil }
        return miss
    }

    func testLiteralTemplatesMatchExactly() {
        XCTAssertEqual(match("/healthz")?.template, "/healthz")
        XCTAssertEqual(match("/v1/customers")?.template, "/v1/customers")
        XCTAssertEqual(match("/v1/customers", .post)?.template, "/v1/customers")
        XCTAssertEqual(match("/v1/customers/export")?.template, "/v1/customers/export")
        XCTAssertEqual(match("/v1/customers/export")?.parameters, PathParameters())
    }

    func testParametersCaptureOneSegment() {
        let found = match("/v1/customers/42")
        XCTAssertEqual(found?.template, "/v1/customers/{id}")
        XCTAssertEqual(found?.parameters["id"], "42")
        XCTAssertNil(found?.parameters["other"])
        XCTAssertEqual(match("/v1/customers/42/timeline")?.template, "/v1/customers/{id}/timeline")
        XCTAssertEqual(match("/v1/customers/42/timeline")?.parameters["id"], "42")
        XCTAssertEqual(match("/v1/customers/by-external-id/crm-7")?.parameters["external_id"], "crm-7")
        XCTAssertEqual(match("/v1/webhooks/9/deliveries")?.parameters, ["id": "9"])
    }

    func testLiteralWinsAndBacktracksToTheParameter() {
        XCTAssertEqual(match("/v1/tags/export")?.template, "/v1/tags/export")
        // `export` is a literal, but `/v1/tags/export/timeline` exists only through {name}.
        let backtracked = match("/v1/tags/export/timeline")
        XCTAssertEqual(backtracked?.template, "/v1/tags/{name}/timeline")
        XCTAssertEqual(backtracked?.parameters["name"], "export")
        XCTAssertEqual(match("/v1/tags/export/csv/files")?.parameters["format"], "csv")
        // Same length as a literal, different bytes: the parameter.
        XCTAssertEqual(match("/v1/tags/exporT")?.parameters["name"], "exporT")
    }

    func testQueryIsIgnored() {
        XCTAssertEqual(match("/v1/customers?limit=5&q=/x")?.template, "/v1/customers")
        XCTAssertEqual(match("/v1/customers/7?x=1")?.parameters["id"], "7")
        XCTAssertEqual(match("/healthz?")?.template, "/healthz")
    }

    func testSegmentsArePercentDecodedBeforeMatching() {
        XCTAssertEqual(match("/v1/tags/a%2Fb")?.parameters["name"], "a/b")
        XCTAssertEqual(match("/v1/tags/%E5%BC%A0%E4%B8%89")?.parameters["name"], "张三")
        XCTAssertEqual(match("/v1/%63ustomers")?.template, "/v1/customers")
        XCTAssertEqual(match("/v1/tags/%65xport")?.template, "/v1/tags/export")
        XCTAssertEqual(match("/v1/tags/%2F/timeline")?.parameters["name"], "/")
        // An encoded slash never splits: this is one segment, not `export/timeline`.
        XCTAssertEqual(match("/v1/tags/export%2Ftimeline")?.parameters["name"], "export/timeline")
        // `+` is a plus in a path (only queries read it as a space).
        XCTAssertEqual(match("/v1/tags/a+b")?.parameters["name"], "a+b")
        // Not UTF-8 once decoded (only a hand-built request can hold it): kept as sent.
        XCTAssertEqual(match("/v1/tags/%FF")?.parameters["name"], "%FF")
    }

    func testOnlyTheCanonicalPathMatches() {
        XCTAssertEqual(miss("/v1/customers/"), .notFound)
        XCTAssertEqual(miss("/v1//customers"), .notFound)
        XCTAssertEqual(miss("//v1/customers"), .notFound)
        XCTAssertEqual(miss("/v1/customers/42/"), .notFound)
        XCTAssertEqual(miss("/healthz/"), .notFound)
        XCTAssertEqual(miss("/healthz//?x=1"), .notFound)
        XCTAssertEqual(miss("/"), .notFound)
        XCTAssertEqual(miss("*", .options), .notFound)
    }

    func testUnknownPathsAreNotFound() {
        XCTAssertEqual(miss("/nope"), .notFound)
        XCTAssertEqual(miss("/v1"), .notFound, "an inner node without handlers")
        XCTAssertEqual(miss("/v1/customers/42/nope"), .notFound)
        XCTAssertEqual(miss("/v1/customers/export/csv"), .notFound)
        XCTAssertEqual(miss("/healthzz"), .notFound)
        XCTAssertEqual(miss("/HEALTHZ"), .notFound, "paths are case-sensitive")
        XCTAssertEqual(miss("/a/b/c/d/e/f/g/h/i/j/k/l"), .notFound, "deeper than any template")
    }

    func testAnIDSegmentNamesNothingUnlessItIsARecordID() {
        // Under every method: a 405 would tell the client that `/v1/customers/01` exists.
        for method in [HTTPMethod.get, .post, .put, .patch, .delete, .options] {
            for spelling in ["01", "+1", "-1", "0", "1.0", "abc", "1e3", "9223372036854775808", "12345678901234567890"] {
                XCTAssertEqual(miss("/v1/customers/\(spelling)", method), .notFound, "\(method.name) \(spelling)")
            }
        }
        XCTAssertEqual(match("/v1/customers/9223372036854775807")?.template, "/v1/customers/{id}")
        XCTAssertEqual(miss("/v1/customers/9223372036854775807", .post), .methodNotAllowed(allowed: [.delete, .get, .head, .patch]))
    }

    func testKnownPathWithAnotherMethodIsMethodNotAllowedWithTheAllowList() {
        XCTAssertEqual(miss("/v1/customers/42", .post), .methodNotAllowed(allowed: [.delete, .get, .head, .patch]))
        XCTAssertEqual(miss("/v1/customers", .delete), .methodNotAllowed(allowed: [.get, .head, .post]))
        XCTAssertEqual(miss("/healthz", .other("TRACE")), .methodNotAllowed(allowed: [.get, .head]))
        XCTAssertEqual(miss("/v1/customers/export", .options), .methodNotAllowed(allowed: [.get, .head]))
    }

    func testHeadIsServedByTheGetRoute() {
        XCTAssertEqual(match("/v1/customers/3", .head)?.template, "/v1/customers/{id}")
        XCTAssertEqual(match("/healthz", .head)?.template, "/healthz")
    }

    func testRootRouteMatchesOnlySlash() {
        var router = Router()
        router.add(.get, "/", { _, _, _ in })
        guard case .found(let template, _, _) = router.match(.get, target: "/?x") else { return XCTFail("/ not found") }
        XCTAssertEqual(template, "/")
        guard case .miss(.notFound) = router.match(.get, target: "//") else { return XCTFail("// matched") }
    }
}

extension RouterTests {
    func testCopiesOfARouterStayApart() {
        var first = Router()
        first.add(.get, "/a", { _, _, _ in })
        var second = first
        second.add(.get, "/b", { _, _, _ in })
        second.add(.post, "/a", { _, _, _ in })
        guard case .miss(.notFound) = first.match(.get, target: "/b") else { return XCTFail("/b leaked into the copy") }
        guard case .miss(.methodNotAllowed(let allowed)) = first.match(.post, target: "/a") else { return XCTFail("POST /a leaked") }
        XCTAssertEqual(allowed, [.get, .head])
        guard case .found = second.match(.get, target: "/b") else { return XCTFail("/b missing") }
        guard case .found = second.match(.post, target: "/a") else { return XCTFail("POST /a missing") }
    }
}

extension RouterTests {
    /// The router's reading of a target agrees with `Request`: a canonical path is matched with
    /// its `pathSegments` as the captured values, any other path matches nothing.
    func testTheRouterMatchesCanonicalPathsOnlyWithTheirPathSegments() {
        var router = Router()
        router.add(.get, "/", { _, _, _ in })
        router.add(.get, "/{a}", { _, _, _ in })
        router.add(.get, "/{a}/{b}", { _, _, _ in })
        router.add(.get, "/{a}/{b}/{c}", { _, _, _ in })
        let names = ["a", "b", "c"]
        let targets = [
            "/", "/?x=1", "*", "", "/v1/customers/1", "/v1/customers?x=/&y=//", "/v1/a%2Fb/%E5%BC%A0", "/a/%zz",
            "//", "/v1/customers/1/", "/v1//customers/1", "//v1/customers?x=1", "/a/?x", "/a//",
        ]
        for target in targets {
            let request = Request(method: .get, target: target)
            switch router.match(.get, target: target) {
            case .found(_, let parameters, _):
                XCTAssertTrue(request.hasCanonicalPath, target)
                XCTAssertEqual(parameters.count, request.pathSegments.count, target)
                for (index, segment) in request.pathSegments.enumerated() {
                    XCTAssertEqual(parameters[names[index]], segment, target)
                }
            case .miss(let miss):
                XCTAssertFalse(request.hasCanonicalPath, target)
                XCTAssertEqual(miss, .notFound, target)
            }
        }
    }
}
