/// What any stored text may hold, whatever the field.
///
/// NUL and the other C0 control characters (U+0000–U+001F) break CSV files, terminals, log
/// lines and C strings downstream, and no person types them: every text field refuses them with
/// `422`. Tab, LF and CR are the exceptions, since multi-line fields (a ticket description, a
/// comment body) and pasted text carry them; surrounding ones are trimmed anyway.
///
///     TextRules.problem(in: "Zhang\u{0}Wei")  // "must not contain control characters"
///     TextRules.problem(in: "line 1\nline 2") // nil
public enum TextRules {
    public static func problem(in text: String) -> String? {
        for byte in text.utf8 where byte < 0x20 {
            if byte != 0x09 && byte != 0x0A && byte != 0x0D { return "must not contain control characters" }
        }
        return nil
    }
}
