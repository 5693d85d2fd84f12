#if canImport(Glibc)
    import Glibc
#endif

/// The server's master key for ``SecretBox``, kept in a file of its own so that a copy
/// of the database alone does not carry the key to its secrets.
///
/// ```swift
/// let key = try SecretKeyFile.loadOrCreate(path: configuration.secretKeyPath)
/// let box = SecretBox(key: key)
/// ```
///
/// The file holds the 32-byte key as 64 hexadecimal digits, optionally followed by a
/// newline, so an operator can back it up or move it with `cat` and a text editor.
/// It must be a regular file closed to group and others (mode `0600` or stricter).
/// A file that breaks either rule is refused, never replaced: replacing a key makes
/// every secret sealed with the old one unreadable.
public enum SecretKeyFile {
    /// Size of the key in bytes.
    public static let keyByteCount = 32

    /// The key in the file at `path`, or a fresh random key saved there first if no
    /// file exists.
    ///
    /// A new key is written to a temporary file in the same directory (created with
    /// `O_CREAT | O_EXCL`, mode `0600`, then `fsync`ed) and given its name with
    /// `link(2)`, which never replaces an existing file; the directory is then
    /// `fsync`ed so the name survives a crash. So the file is seen either whole or not
    /// at all, even by a second process starting at the same moment: whichever links
    /// second finds the name taken, discards its own key and reads the first one's.
    public static func loadOrCreate(path: String) throws(SecretKeyFileError) -> [UInt8] {
        if let key = try load(path: path) { return key }
        if let key = try create(path: path) { return key }
        // Another process created the file after our first look.
        guard let key = try load(path: path) else {
            throw .systemCall("open", path: path, errno: ENOENT)
        }
        return key
    }

    /// The key in the file at `path`, or `nil` if there is no such file.
    private static func load(path: String) throws(SecretKeyFileError) -> [UInt8]? {
        let file: Descriptor
        do throws(SecretKeyFileError) {
            file = try Descriptor.open(path, flags: O_RDONLY | O_CLOEXEC)
        } catch .systemCall(_, _, let error) where error == ENOENT {
            return nil
        }
        defer { file.close() }
        let status = try file.status(path: path)
        guard status.isRegularFile else { throw .notARegularFile(path: path) }
        guard status.permissions & 0o077 == 0 else {
            throw .permissionsTooOpen(path: path, mode: status.permissions)
        }
        // Read one byte past the longest valid file, so a longer one is seen as such.
        let contents = try file.read(upTo: encodedByteCount + 2, path: path)
        guard let key = decode(contents) else { throw .malformed(path: path) }
        return key
    }

    /// Saves a fresh key at `path` and returns it, or returns `nil` if a file appeared
    /// at `path` first.
    private static func create(path: String) throws(SecretKeyFileError) -> [UInt8]? {
        let key = SecureRandom.bytes(keyByteCount)
        let temporaryPath = "\(path).\(SecureRandom.bytes(8).hexString).tmp"
        let file = try Descriptor.open(temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        let linked: Bool
        do {
            defer { Descriptor.unlink(temporaryPath) }
            do {
                defer { file.close() }
                // The umask can only clear bits of 0600; set it outright all the same.
                try file.setPermissions(0o600, path: temporaryPath)
                try file.write(Array((key.hexString + "\n").utf8), path: temporaryPath)
                try file.synchronize(path: temporaryPath)
            }
            linked = try Descriptor.link(temporaryPath, to: path)
        }
        guard linked else { return nil }
        // Makes both the new name and the temporary file's removal durable.
        try Descriptor.synchronizeDirectory(containing: path)
        return key
    }

    /// Length of the key in hexadecimal, without the optional newline.
    private static let encodedByteCount = 2 * keyByteCount

    /// The key spelled by `contents`, or `nil` if it is not exactly 64 hexadecimal
    /// digits with at most one newline after them.
    private static func decode(_ contents: [UInt8]) -> [UInt8]? {
        var digits = contents[...]
        if digits.last == UInt8(ascii: "\n") { digits = digits.dropLast() }
        guard digits.count == encodedByteCount else { return nil }
        return [UInt8](hexString: String(decoding: digits, as: UTF8.self))
    }
}
