import SQLite

/// Folds the search documents indexed before ``SearchFolding`` existed (migration 0036), so `q`
/// finds an older `Søren` by `soren` (and, on PostgreSQL, an older `Αθηνά` by `αθηνα`) as it finds
/// a new one.
///
/// A document is its customer's fields segmented; folding commutes with segmenting (it neither
/// makes nor removes a CJK character), so the new document is the stored one folded, with no need
/// to read the customers. Only documents the fold changes are indexed again.
enum SearchDocumentRefoldStore {
    static let pendingName = "search_folding"
    /// Documents read per query: PostgreSQL's rows arrive as copies, a page at a time.
    static let pageSize = 1_000

    /// Refolds every stored document in the transaction that removes the `pending_rebuilds` entry,
    /// so a crash part-way does it again at the next open.
    static func rebuildPending(_ connection: StoreConnection) throws {
        try connection.transaction {
            guard try connection.queryOne("SELECT 1 FROM pending_rebuilds WHERE name = ?", [.text(pendingName)]) != nil else { return }
            var after: Int64 = 0
            var read = pageSize
            while read == pageSize {
                read = 0
                var changed: [(id: Int64, document: String)] = []
                try connection.forEachRowView(
                    "SELECT rowid, document FROM customers_fts WHERE rowid > ? ORDER BY rowid LIMIT \(pageSize)", [.integer(after)]
                ) { row in
                    read += 1
                    guard let id = row.int64(at: 0) else { return true }
                    after = id
                    let folded = row.withUTF8(at: 1) { bytes -> [UInt8]? in
                        // ASCII is never folded: most documents stop here.
                        guard bytes.contains(where: { $0 >= 0x80 }) else { return nil }
                        let folded = SearchDocument.segmentedUTF8(String(decoding: bytes, as: UTF8.self), spacingCJK: false)
                        return folded.elementsEqual(bytes) ? nil : folded
                    }
                    if let folded = folded ?? nil { changed.append((id, String(decoding: folded, as: UTF8.self))) }
                    return true
                }
                for document in changed { try CustomerStore.stageSearchDocument(connection, id: document.id, document: document.document) }
            }
            try CustomerStore.flushSearchDocuments(connection)
            try connection.run("DELETE FROM pending_rebuilds WHERE name = ?", [.text(pendingName)])
        }
    }
}
