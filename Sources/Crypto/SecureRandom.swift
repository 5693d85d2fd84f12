#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cryptographically secure random bytes from the operating system's CSPRNG.
///
/// On Linux this is the kernel's `getrandom(2)` pool, reached through glibc's
/// `getentropy(3)` (the Glibc module does not export `getrandom` itself):
/// it blocks only until the pool is first initialised, requests are made in
/// the 256-byte pieces `getentropy` allows, and `EINTR` is retried. Elsewhere,
/// or if the kernel lacks the system call (`ENOSYS`), it falls back to
/// `SystemRandomNumberGenerator`, which the standard library documents as
/// cryptographically secure.
///
/// ```swift
/// let secret = SecureRandom.bytes(32)   // 256 bits for a new API key
/// ```
public enum SecureRandom {
    /// Returns `count` random bytes; `count` must not be negative.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: negative count \(count)")
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            fill(buffer)
            initializedCount = count
        }
    }

    /// The most `getentropy(3)` returns in one call.
    private static let maximumRequest = 256

    private static func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        #if os(Linux)
            var filled = 0
            while filled < buffer.count {
                let length = min(buffer.count - filled, maximumRequest)
                let result = getentropy(buffer.baseAddress! + filled, length)
                let error = errno  // capture before anything else can change it
                if result == 0 {
                    filled += length
                } else if error == EINTR {
                    continue
                } else if error == ENOSYS {
                    fillFromStandardLibrary(UnsafeMutableBufferPointer(rebasing: buffer[filled...]))
                    return
                } else {
                    // EFAULT/EIO: there is no safe way to carry on without
                    // randomness for keys.
                    preconditionFailure("getentropy failed: errno \(error)")
                }
            }
        #else
            fillFromStandardLibrary(buffer)
        #endif
    }

    private static func fillFromStandardLibrary(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        var generator = SystemRandomNumberGenerator()
        for index in buffer.indices {
            buffer[index] = generator.next()
        }
    }
}
