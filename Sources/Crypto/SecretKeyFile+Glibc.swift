#if canImport(Glibc)
    import Glibc
#endif

extension SecretKeyFile {
    /// A thin value over a file descriptor: the only place the key file's system calls
    /// are made. Each captures `errno` at once and retries on `EINTR`; whoever opens a
    /// descriptor closes it exactly once.
    struct Descriptor {
        let descriptor: Int32

        /// The file's type and permission bits, from `fstat(2)` on the open descriptor,
        /// so they describe the very file that is read.
        struct Status {
            let isRegularFile: Bool
            /// The permission bits (`mode & 0o7777`).
            let permissions: UInt32
        }

        static func open(_ path: String, flags: Int32, mode: mode_t = 0) throws(SecretKeyFileError) -> Descriptor {
            while true {
                let descriptor = Glibc.open(path, flags, mode)
                if descriptor >= 0 { return Descriptor(descriptor: descriptor) }
                let error = errno
                guard error == EINTR else { throw .systemCall("open", path: path, errno: error) }
            }
        }

        func close() {
            // After close(2) fails the descriptor is gone all the same (on Linux even on
            // EINTR), so there is nothing to retry.
            _ = Glibc.close(descriptor)
        }

        func status(path: String) throws(SecretKeyFileError) -> Status {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw .systemCall("fstat", path: path, errno: errno) }
            return Status(
                isRegularFile: status.st_mode & S_IFMT == S_IFREG,
                permissions: UInt32(status.st_mode & 0o7777)
            )
        }

        /// Up to `limit` bytes from the current offset: fewer only at the end of the file.
        func read(upTo limit: Int, path: String) throws(SecretKeyFileError) -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: limit)
            var count = 0
            while count < limit {
                let result = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.read(descriptor, buffer.baseAddress! + count, limit - count)
                }
                if result > 0 {
                    count += result
                } else if result == 0 {
                    break
                } else {
                    let error = errno
                    guard error == EINTR else { throw .systemCall("read", path: path, errno: error) }
                }
            }
            return Array(bytes[..<count])
        }

        /// Writes all of `bytes`, continuing after short writes.
        func write(_ bytes: [UInt8], path: String) throws(SecretKeyFileError) {
            var written = 0
            while written < bytes.count {
                let result = bytes.withUnsafeBytes { buffer in
                    Glibc.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
                }
                if result >= 0 {
                    written += result
                } else {
                    let error = errno
                    guard error == EINTR else { throw .systemCall("write", path: path, errno: error) }
                }
            }
        }

        func setPermissions(_ mode: mode_t, path: String) throws(SecretKeyFileError) {
            guard fchmod(descriptor, mode) == 0 else { throw .systemCall("fchmod", path: path, errno: errno) }
        }

        /// `fsync(2)`: the bytes are on disk before the file gets its name.
        func synchronize(path: String) throws(SecretKeyFileError) {
            while fsync(descriptor) != 0 {
                let error = errno
                guard error == EINTR else { throw .systemCall("fsync", path: path, errno: error) }
            }
        }

        /// Gives the file at `source` the name `destination` too, unless that name is
        /// taken (then `false`): unlike `rename(2)`, `link(2)` never replaces a file.
        static func link(_ source: String, to destination: String) throws(SecretKeyFileError) -> Bool {
            guard Glibc.link(source, destination) != 0 else { return true }
            let error = errno
            guard error == EEXIST else { throw .systemCall("link", path: destination, errno: error) }
            return false
        }

        /// Removes `path`, ignoring failure: used only to clean up a temporary file.
        static func unlink(_ path: String) {
            _ = Glibc.unlink(path)
        }

        /// `fsync(2)` on the directory that holds `path`, so a name added to it or
        /// removed from it survives a crash.
        static func synchronizeDirectory(containing path: String) throws(SecretKeyFileError) {
            let directory: String
            if let slash = path.lastIndex(of: "/") {
                directory = slash == path.startIndex ? "/" : String(path[..<slash])
            } else {
                directory = "."
            }
            let file = try open(directory, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            defer { file.close() }
            try file.synchronize(path: directory)
        }
    }
}
