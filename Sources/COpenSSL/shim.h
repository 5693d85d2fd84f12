#ifndef CRM_COPENSSL_SHIM_H
#define CRM_COPENSSL_SHIM_H
// OpenSSL 3 (libssl-dev) for the outbound HTTPS client. Swift imports OpenSSL's functions but not
// its function-like macros, so the few this project needs are wrapped below; nothing else is
// compiled here.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// SNI: the name the server picks its certificate by (RFC 6066 §3).
static inline int crm_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

// TLS 1.0 and 1.1 are deprecated (RFC 8996).
static inline int crm_ssl_ctx_require_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

// A peer that closes without close_notify ends the stream instead of failing it: the client asks
// for `Connection: close` and needs only the status line, which it already holds by then.
static inline void crm_ssl_ctx_ignore_unexpected_eof(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
}

// What an empty memory BIO answers a read with: -1 (retry: more bytes may come) while the socket
// is open, 0 (end of stream) once it has closed.
static inline int crm_bio_set_mem_eof_return(BIO *bio, int value) {
    return (int)BIO_set_mem_eof_return(bio, value);
}
#endif
