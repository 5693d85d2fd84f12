import SQLite

/// The expression index that serves `attributes.<key>` list filters and rule leaves of a defined
/// custom field: one per live definition, created in the transaction that defines the field and
/// dropped in the one that deletes it (migration 0025 builds those of fields defined before it).
///
///     CREATE INDEX customers_by_attribute_vip_level ON customers (json_extract(attributes, '$.vip_level'))
///         WHERE deleted_at IS NULL AND json_extract(attributes, '$.vip_level') IS NOT NULL
///
/// SQLite uses an index on an expression only for a query that spells the same expression
/// (sqlite.org/expridx.html), so every filter reads a defined attribute through
/// ``expression(_:indexed:)``, and the JSON path is a literal there, never a bound parameter: the planner
/// cannot match a `?`. That is safe because the key is snake_case (``CustomField/isValidKey(_:)``,
/// checked when the field is defined); the values compared with it are still bound. The index
/// holds live customers that have a value, so a customer without the key costs it nothing but
/// the `json_extract` of its `WHERE`, and a filter (`= ?`, `IN (…)`, `> ?`, which each imply
/// `IS NOT NULL`) qualifies for it.
///
/// Where a comparison is sure to gain from the index, it reads the expression; elsewhere it reads
/// `+expression`, which no index serves, so SQLite plans it as it would without the index
/// (``AttributeIndexUse``).
enum AttributeIndexStore {
    /// The value of `attributes.<key>` of the customer aliased `c`: as its index reads it, or
    /// (`indexed: false`) the same value in a form the planner cannot serve from the index.
    static func expression(_ key: String, indexed: Bool = true, dialect: SQLDialect) -> String {
        let value = value(of: key, in: "c.attributes")
        return indexed ? value : dialect.unindexed(value)
    }

    /// The index of `key`.
    static func name(_ key: String) -> String {
        precondition(CustomField.isValidKey(key), "an attribute index over a key that is not snake_case: \(key)")
        return "customers_by_attribute_\(key)"
    }

    /// Builds the index of a newly defined field: a pass over every customer, in the caller's
    /// transaction (about 1–2 s with a million customers, during which the writer waits).
    static func create(_ connection: StoreConnection, key: String) throws {
        let extracted = value(of: key, in: "attributes")
        try connection.execute(
            "CREATE INDEX IF NOT EXISTS \(name(key)) ON customers (\(extracted)) WHERE deleted_at IS NULL AND \(extracted) IS NOT NULL")
    }

    /// Drops the index of a deleted field.
    static func drop(_ connection: StoreConnection, key: String) throws {
        try connection.execute("DROP INDEX IF EXISTS \(name(key))")
    }

    /// Builds the indexes of the fields defined before migration 0025, in the transaction that
    /// removes its `pending_rebuilds` entry, so a crash part-way builds them again at the next open.
    static func rebuildPending(_ connection: StoreConnection) throws {
        try connection.transaction {
            guard try connection.queryOne("SELECT 1 FROM pending_rebuilds WHERE name = 'attribute_indexes'") != nil else { return }
            for field in try CustomFieldStore.live(connection) where CustomField.isValidKey(field.key) {
                try create(connection, key: field.key)
            }
            try connection.run("DELETE FROM pending_rebuilds WHERE name = 'attribute_indexes'")
        }
    }

    /// `json_extract(<column>, '$.<key>')`; the key is snake_case, so the literal needs no quoting.
    private static func value(of key: String, in column: String) -> String {
        precondition(CustomField.isValidKey(key), "an attribute index over a key that is not snake_case: \(key)")
        return "json_extract(\(column), '$.\(key)')"
    }
}

/// Which comparisons of a compiled rule tree read a defined attribute through its index
/// (``AttributeIndexStore``). Without statistics SQLite takes an index whenever a term can use
/// one; for a page of a list that is a win only when the index yields the rows in the page's
/// order: equality or any-of on one expression, in id order (each value's entries are in id
/// order, and for any-of SQLite stops reading each value's run once the page is full). Elsewhere
/// it would read and sort every match, hundreds of thousands for a common value, where walking
/// the order's own index stops after a page of matches.
enum AttributeIndexUse: Sendable {
    /// Every comparison: the condition is counted, and `count(*)` reads only the matching entries.
    case all
    /// Equality and any-of leaves that every match passes (the root, or children of the root
    /// `all`), for a page in id order. Under `any` SQLite would merge several indexes and sort.
    case conjunctEqualities
    /// None: the condition is planned as without the indexes (a page in another order, automations).
    case none

    /// For a page of `request`: the equalities in id order, none in another order.
    static func page(_ request: ListRequest) -> AttributeIndexUse {
        [nil, "c.id"].contains(request.sortField.sortExpression) ? .conjunctEqualities : .none
    }
}
