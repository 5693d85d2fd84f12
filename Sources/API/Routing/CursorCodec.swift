import CRM
import Crypto
import JSON

/// Opaque, tamper-evident list cursors (API.md §1, "Lists").
///
/// A cursor is `base64url(payload) "." base64url(HMAC-SHA256(key, scope "\n" payload)[0..<16])`,
/// where `payload` is the JSON of the last row's sort keys and `scope` names the list, its sort and
/// its filters. Altering any byte, or presenting the cursor to a different sort or filter set,
/// fails the MAC check: a `400`, never a SQL error.
struct CursorCodec: Sendable {
    let key: [UInt8]

    func encode(_ position: JSONValue, scope: String) -> String {
        let payload = position.serialized()
        return Base64URL.encode(payload) + "." + Base64URL.encode(mac(payload, scope: scope))
    }

    /// The position a cursor stands for, or a `400` naming `cursor`.
    func decode(_ cursor: String, scope: String) throws -> JSONValue {
        let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])), let tag = Base64URL.decode(String(parts[1])),
            constantTimeEquals(tag, mac(payload, scope: scope)),
            let position = try? JSONParser.parse(payload)
        else {
            throw APIError.badRequest("the cursor is invalid, altered, or belongs to a different sort or filter", field: "cursor")
        }
        return position
    }

    private func mac(_ payload: [UInt8], scope: String) -> [UInt8] {
        Array(HMACSHA256.authenticationCode(for: Array(scope.utf8) + [10] + payload, key: key).prefix(16))
    }
}
