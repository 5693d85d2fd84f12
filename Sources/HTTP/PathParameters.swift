/// The values a route's `{name}` segments captured, percent-decoded, by name.
///
///     // GET /v1/customers/42 on /v1/customers/{id}
///     context.parameters["id"]   // "42"
///
/// A short list searched in order rather than a dictionary: a route has one or two parameters,
/// and every routed request builds one of these.
public struct PathParameters: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var names: [String]
    private var values: [String]

    public init() {
        names = []
        values = []
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        names = elements.map(\.0)
        values = elements.map(\.1)
    }

    /// `names[i]` captured `values[i]`; both in the template's order.
    init(names: [String], values: [String]) {
        precondition(names.count == values.count, "one value per parameter name")
        self.names = names
        self.values = values
    }

    /// The value captured for `{name}`, or `nil` when the route has no such parameter.
    public subscript(_ name: String) -> String? {
        for index in names.indices where names[index] == name { return values[index] }
        return nil
    }

    public var count: Int { names.count }

    public var isEmpty: Bool { names.isEmpty }
}
