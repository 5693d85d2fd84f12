/// A JSON object whose members keep the order in which they were inserted.
///
/// RFC 8259 §4 calls an object an unordered collection of name/value pairs, so
/// two objects are equal (and hash alike) when they hold the same members,
/// whatever their order. Insertion order is nevertheless kept so that
/// responses are rendered with fields in the order the code wrote them and a
/// parsed document re-serialises in its original order.
///
/// Names are unique: setting an existing key replaces its value in place (the
/// key keeps its position); ``JSONParser`` rejects a document that repeats a
/// name, since RFC 8259 §4 leaves the meaning of duplicates undefined.
///
/// ```swift
/// var customer: JSONObject = ["id": 42, "name": "李雷"]
/// customer["email"] = "lilei@example.com"
/// customer.keys  // ["id", "name", "email"]
/// ```
public struct JSONObject: Sendable, Hashable, Sequence {
    /// One member of the object.
    public typealias Element = (key: String, value: JSONValue)

    /// Objects with at most this many members are searched linearly; larger
    /// ones keep a key → position index. Most API objects are small.
    private static let indexThreshold = 12

    private var orderedKeys: [String]
    private var orderedValues: [JSONValue]
    /// Position of each key in `orderedKeys`; `nil` while the object is small.
    private var index: [String: Int]?

    /// Creates an empty object.
    public init() {
        orderedKeys = []
        orderedValues = []
        index = nil
    }

    /// Creates an object from members in order; a later duplicate key
    /// replaces the earlier value but keeps the earlier position.
    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        orderedKeys.reserveCapacity(pairs.count)
        orderedValues.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            self[key] = value
        }
    }

    /// The member names in insertion order.
    public var keys: [String] { orderedKeys }

    /// The member values in insertion order.
    public var values: [JSONValue] { orderedValues }

    /// The number of members.
    public var count: Int { orderedKeys.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { orderedKeys.isEmpty }

    /// The value for `key`, or `nil` when the object has no such member.
    /// Assigning `nil` removes the member; assigning a value to a new key
    /// appends it, to an existing key replaces the value in place.
    ///
    /// Note that a member whose value is JSON `null` reads as `.null`, not `nil`.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return orderedValues[position]
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    orderedValues[position] = newValue
                } else {
                    append(key, newValue)
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Whether the object has a member named `key` (its value may be `null`).
    public func contains(key: String) -> Bool {
        position(of: key) != nil
    }

    /// Removes the member named `key` and returns its value, or `nil` when
    /// there was none. Later members keep their relative order.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        orderedKeys.remove(at: position)
        let removed = orderedValues.remove(at: position)
        if index != nil {
            rebuildIndex()
        }
        return removed
    }

    /// Appends a member whose key is not yet present; returns `false` (and
    /// changes nothing) when it is. Used by the parser to reject duplicates
    /// with a single lookup.
    mutating func appendIfAbsent(_ key: String, _ value: JSONValue) -> Bool {
        if position(of: key) != nil {
            return false
        }
        append(key, value)
        return true
    }

    public func makeIterator() -> Iterator {
        Iterator(object: self)
    }

    /// Iterates over the members in insertion order.
    public struct Iterator: IteratorProtocol {
        private let object: JSONObject
        private var position = 0

        fileprivate init(object: JSONObject) {
            self.object = object
        }

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object.orderedKeys.count else { return nil }
            defer { position += 1 }
            return (object.orderedKeys[position], object.orderedValues[position])
        }
    }

    public var underestimatedCount: Int { orderedKeys.count }

    // MARK: Equality (order-insensitive, RFC 8259 §4)

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.orderedKeys == rhs.orderedKeys {
            return lhs.orderedValues == rhs.orderedValues
        }
        for (key, value) in lhs {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Combine member hashes commutatively so that order does not matter,
        // consistent with `==`.
        var combined = 0
        for (key, value) in self {
            var memberHasher = Hasher()
            memberHasher.combine(key)
            memberHasher.combine(value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }

    // MARK: Storage

    private func position(of key: String) -> Int? {
        if let index {
            return index[key]
        }
        return orderedKeys.firstIndex(of: key)
    }

    private mutating func append(_ key: String, _ value: JSONValue) {
        orderedKeys.append(key)
        orderedValues.append(value)
        if index != nil {
            index![key] = orderedKeys.count - 1
        } else if orderedKeys.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    private mutating func rebuildIndex() {
        guard orderedKeys.count > Self.indexThreshold else {
            index = nil
            return
        }
        var rebuilt = [String: Int](minimumCapacity: orderedKeys.count)
        for (position, key) in orderedKeys.enumerated() {
            rebuilt[key] = position
        }
        index = rebuilt
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// `["name": "Ada", "vip": true]`; members keep the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: CustomStringConvertible {
    /// The object serialised as compact JSON.
    public var description: String {
        JSONValue.object(self).jsonString
    }
}
