extension ConnectionConfiguration {
    /// The connection string with any password replaced by `****`, for messages and logs:
    /// `postgres://crm:s3cret@db/crm` reads `postgres://crm:****@db/crm`, and a `password`
    /// parameter (`?password=…` in a URL, `password=…` in `key=value` form) likewise.
    public var redactedConnectionString: String {
        let text = connectionString
        for scheme in ["postgresql://", "postgres://"] where text.hasPrefix(scheme) {
            return scheme + ConnectionConfiguration.redactedURLBody(String(text.dropFirst(scheme.count)))
        }
        return ConnectionConfiguration.redactedKeywordValues(text)
    }

    /// `user:password@host/db?password=…` without the passwords: the userinfo is what precedes the
    /// authority's last `@` (a password may itself hold an `@`).
    private static func redactedURLBody(_ body: String) -> String {
        let authorityEnd = body.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? body.endIndex
        var authority = String(body[..<authorityEnd])
        var rest = String(body[authorityEnd...])
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            authority = String(authority[...colon]) + "****" + String(authority[at...])
        }
        if let question = rest.firstIndex(of: "?") {
            let parameters = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { parameter in
                    parameter.hasPrefix("password=") ? "password=****" : String(parameter)
                }
            rest = String(rest[...question]) + parameters.joined(separator: "&")
        }
        return authority + rest
    }

    /// `host=db password='a b' user=crm` without the password. Values are single-quoted (with
    /// backslash escapes) or run to the next space, as libpq reads them.
    private static func redactedKeywordValues(_ text: String) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            guard text[index...].hasPrefix("password"), index == text.startIndex || text[text.index(before: index)].isWhitespace
            else {
                output.append(text[index])
                index = text.index(after: index)
                continue
            }
            var cursor = text.index(index, offsetBy: "password".count)
            while cursor < text.endIndex, text[cursor].isWhitespace { cursor = text.index(after: cursor) }
            guard cursor < text.endIndex, text[cursor] == "=" else {
                output.append(text[index])
                index = text.index(after: index)
                continue
            }
            cursor = text.index(after: cursor)
            while cursor < text.endIndex, text[cursor].isWhitespace { cursor = text.index(after: cursor) }
            if cursor < text.endIndex, text[cursor] == "'" {
                cursor = text.index(after: cursor)
                while cursor < text.endIndex, text[cursor] != "'" {
                    if text[cursor] == "\\" { cursor = text.index(after: cursor) }
                    if cursor < text.endIndex { cursor = text.index(after: cursor) }
                }
                if cursor < text.endIndex { cursor = text.index(after: cursor) }
            } else {
                while cursor < text.endIndex, !text[cursor].isWhitespace { cursor = text.index(after: cursor) }
            }
            output += "password=****"
            index = cursor
        }
        return output
    }
}
