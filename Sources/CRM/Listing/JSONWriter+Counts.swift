import JSON

extension JSONWriter {
    /// `"name":{"key":count,…}` with the keys in `order`, `0` for a key nobody has: the breakdowns
    /// of the reports, whose every known key is always present.
    mutating func counts(_ name: String, _ counts: [String: Int64], order: [String]) {
        key(name)
        beginObject()
        for name in order {
            key(name)
            int(counts[name] ?? 0)
        }
        endObject()
    }
}
