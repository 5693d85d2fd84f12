import COpenSSL
import Synchronization

/// One OpenSSL client context (`SSL_CTX`) per set of trusted certificates, made on first use
/// and shared by every connection after it.
///
/// Settings (each applies to every connection made from the context):
/// - TLS 1.2 or later (RFC 8996 deprecates 1.0 and 1.1).
/// - The peer's certificate chain must verify against the system's CA store (OpenSSL's default
///   paths: `ca-certificates` on Debian), plus `trustedCAFile` when given; a failed
///   verification fails the handshake (`SSL_VERIFY_PEER`). Which name or address the
///   certificate must be for is set per connection (``TLSSession``).
/// - A peer closing without `close_notify` ends the stream rather than failing it.
///
///     let context = try TLSContext.shared(trustedCAFile: nil)
final class TLSContext: @unchecked Sendable {
    // Safe because: the SSL_CTX is configured completely in `make` before any other thread can
    // see it and is never changed afterwards; OpenSSL allows one SSL_CTX to create SSL objects
    // on many threads at once (its reference counts, CA store and session cache lock
    // internally).
    let context: OpaquePointer

    private init(context: OpaquePointer) {
        self.context = context
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Contexts by trusted CA file (`""` for the system store alone). Only successfully made
    /// contexts are kept, so a CA file that appears later is read then.
    private static let contexts = Mutex<[String: TLSContext]>([:])

    /// The context for `trustedCAFile`, made under the lock the first time it is asked for, so
    /// that concurrent first callers share one.
    static func shared(trustedCAFile: String?) throws(OutboundFailure) -> TLSContext {
        try contexts.withLock { (contexts) throws(OutboundFailure) -> TLSContext in
            let key = trustedCAFile ?? ""
            if let context = contexts[key] { return context }
            let context = try make(trustedCAFile: trustedCAFile)
            contexts[key] = context
            return context
        }
    }

    private static func make(trustedCAFile: String?) throws(OutboundFailure) -> TLSContext {
        guard let pointer = SSL_CTX_new(TLS_client_method()) else {
            throw OutboundFailure(.tlsFailure, "SSL_CTX_new: \(OpenSSLErrors.drain(or: "failed"))")
        }
        let context = TLSContext(context: pointer)
        guard crm_ssl_ctx_require_tls12(pointer) == 1 else {
            throw OutboundFailure(.tlsFailure, "setting TLS 1.2 as the minimum: \(OpenSSLErrors.drain(or: "failed"))")
        }
        SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER, nil)
        // Without a system store (no ca-certificates) this fails quietly, and every handshake
        // then fails verification, naming the certificate it could not trust.
        if SSL_CTX_set_default_verify_paths(pointer) != 1 { _ = OpenSSLErrors.drain(or: "") }
        if let trustedCAFile, SSL_CTX_load_verify_file(pointer, trustedCAFile) != 1 {
            throw OutboundFailure(
                .tlsFailure, "loading trusted certificates from \(trustedCAFile): \(OpenSSLErrors.drain(or: "failed"))")
        }
        crm_ssl_ctx_ignore_unexpected_eof(pointer)
        return context
    }
}
