#if canImport(Glibc)
    import Glibc
#endif

/// Why ``SecretKeyFile/loadOrCreate(path:)`` gave no key. Each case names the file
/// and says what to do, because it stops the server at start-up and an operator
/// reads it.
public enum SecretKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Group or others may read or write the file (`mode & 0o077 != 0`): the key must
    /// be the server's alone.
    case permissionsTooOpen(path: String, mode: UInt32)
    /// Not 64 hexadecimal digits with an optional newline: truncated, edited, or some
    /// other kind of file.
    case malformed(path: String)
    /// A directory, device, socket or other file that is not a regular file.
    case notARegularFile(path: String)
    /// A system call failed; `errno` was captured right after it.
    case systemCall(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .permissionsTooOpen(let path, let mode):
            "secret key file \(path) has mode \(octal(mode)), open to group or others; "
                + "restrict it to its owner (chmod 600 \(path))"
        case .malformed(let path):
            "secret key file \(path) must hold exactly 64 hexadecimal digits (a 32-byte key), "
                + "optionally followed by a newline; it was left as it is"
        case .notARegularFile(let path):
            "secret key file \(path) is not a regular file"
        case .systemCall(let operation, let path, let errno):
            "\(operation) \(path) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        }
    }
}

/// Permission bits as `ls` and `chmod` spell them: "0644".
private func octal(_ mode: UInt32) -> String {
    let digits = String(mode & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
