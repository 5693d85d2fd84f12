/// One entry of a list that belongs to a record (a ticket's comments, an opportunity's stage
/// history), already rendered: its id (what the list's cursor continues after) and its JSON.
public struct RenderedEntry: Sendable {
    public let id: Int64
    public let json: [UInt8]

    public init(id: Int64, json: [UInt8]) {
        self.id = id
        self.json = json
    }
}
