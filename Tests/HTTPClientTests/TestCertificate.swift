import Foundation
import XCTest

/// A throwaway self-signed certificate and its key, made with the `openssl` command in a
/// temporary folder that is removed again (``remove()``).
struct TestCertificate {
    let folder: URL
    let certificate: String
    let key: String

    /// A P-256 certificate valid for one day for `subjectAltName` (e.g.
    /// `DNS:localhost,IP:127.0.0.1`); skips the test when `/usr/bin/openssl` is missing.
    static func make(commonName: String, subjectAltName: String) throws -> TestCertificate {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw XCTSkip("\(openssl) is not installed: no certificate for the TLS tests")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crm-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("certificate.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(commonName)",
            "-addext", "subjectAltName=\(subjectAltName)", "-days", "1", "-keyout", key, "-out", certificate,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw TestServerError("openssl req exited with \(process.terminationStatus)")
        }
        return TestCertificate(folder: folder, certificate: certificate, key: key)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
