/// The letters search folds before the index sees them, so a name typed without its marks finds
/// the name written with them on both engines: `soren` finds `Søren`, `lodz` finds `Łódź`, `tokyo`
/// finds `Ｔｏｋｙｏ`.
///
/// SQLite's tokenizer (`unicode61 remove_diacritics 2`) takes the marks off a letter that Unicode
/// decomposes into a base letter and marks (`é`, `ñ`, `ễ`), but not off a letter that is one
/// character with no decomposition (`ø`, `ł`, `đ`), nor a ligature, a full-width letter or an
/// accented Greek one. PostgreSQL's `unaccent` folds those too. Both engines' documents and
/// queries go through this fold first (``SearchDocument/segmentedUTF8(_:)``), so SQLite finds what
/// PostgreSQL finds for these; each replacement is `unaccent`'s for the same letter, lowered where
/// it is not ASCII.
///
/// Capitals outside ASCII are lowered here too: SQLite's tokenizer lowers every script, but
/// PostgreSQL lowers as its database's `LC_CTYPE` says, and under `C` that is ASCII only (`αθηνα`
/// did not find `Αθηνά` there).
enum SearchFolding {
    /// What the character `value` is indexed and searched as, or nil to keep it as it is.
    static func replacement(for value: UInt32) -> StaticString? {
        switch value {
        // Latin-1: letters with no decomposition.
        case 0x00C6: "AE"
        case 0x00D0: "D"
        case 0x00D8: "O"
        case 0x00DE: "TH"
        case 0x00DF: "ss"
        case 0x00E6: "ae"
        case 0x00F0: "d"
        case 0x00F8: "o"
        case 0x00FE: "th"
        // Latin Extended-A: letters with a stroke, ligatures, and the like.
        case 0x0110: "D"
        case 0x0111: "d"
        case 0x0126: "H"
        case 0x0127: "h"
        case 0x0131: "i"
        case 0x0132: "IJ"
        case 0x0133: "ij"
        case 0x0138: "q"
        case 0x013F: "L"
        case 0x0140: "l"
        case 0x0141: "L"
        case 0x0142: "l"
        case 0x0149: "'n"
        case 0x014A: "N"
        case 0x014B: "n"
        case 0x0152: "OE"
        case 0x0153: "oe"
        case 0x0166: "T"
        case 0x0167: "t"
        case 0x017F: "s"
        // Latin Extended-B and Additional: the stroke letters of some orthographies, capital ß.
        case 0x0180: "b"
        case 0x0197: "I"
        case 0x01B5: "Z"
        case 0x01B6: "z"
        case 0x01E4: "G"
        case 0x01E5: "g"
        case 0x023B: "C"
        case 0x023C: "c"
        case 0x0268: "i"
        case 0x1E9E: "SS"
        // Greek letters with tonos or dialytika (what modern Greek writes).
        case 0x0386: "α"
        case 0x0388: "ε"
        case 0x0389: "η"
        case 0x038A: "ι"
        case 0x038C: "ο"
        case 0x038E: "υ"
        case 0x038F: "ω"
        case 0x0390, 0x03AF, 0x03CA: "ι"
        case 0x03AA: "ι"
        case 0x03AB: "υ"
        case 0x03AC: "α"
        case 0x03AD: "ε"
        case 0x03AE: "η"
        case 0x03B0, 0x03CB, 0x03CD: "υ"
        case 0x03CC: "ο"
        case 0x03CE: "ω"
        // Cyrillic ё, commonly written е.
        case 0x0401: "е"
        case 0x0451: "е"
        // Latin ligatures.
        case 0xFB00: "ff"
        case 0xFB01: "fi"
        case 0xFB02: "fl"
        case 0xFB03: "ffi"
        case 0xFB04: "ffl"
        case 0xFB05, 0xFB06: "st"
        default: nil
        }
    }

    /// The lowercase of a capital outside ASCII, or nil when lowering changes nothing.
    static func lowercased(_ value: UInt32) -> String? {
        guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenLowercased else { return nil }
        return scalar.properties.lowercaseMapping
    }

    /// The ASCII character a full-width form (U+FF01–U+FF5E) stands for, or nil.
    static func fullWidthASCII(_ value: UInt32) -> UInt8? {
        (0xFF01...0xFF5E).contains(value) ? UInt8(value - 0xFEE0) : nil
    }
}
