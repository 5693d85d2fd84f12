/// What every connection of a server shares: configuration, routes and the error renderer.
/// Immutable after start-up, so it is freely shared across loops.
final class ServerCore: Sendable {
    let configuration: ServerConfiguration
    let router: Router
    let errorRenderer: Server.ErrorRenderer
    let bodyBudget: Quota

    init(configuration: ServerConfiguration, router: Router, errorRenderer: @escaping Server.ErrorRenderer) {
        self.configuration = configuration
        self.router = router
        self.errorRenderer = errorRenderer
        self.bodyBudget = Quota(limit: configuration.maxBodyMemory)
    }

    func errorResponse(_ status: Int, _ detail: String, _ requestID: String) -> Response {
        errorRenderer(status, detail, requestID)
    }
}
