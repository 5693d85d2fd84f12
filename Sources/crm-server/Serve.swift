import API
import Dispatch
import Foundation

/// `crm-server serve`: start, print the bootstrap key if one was made, and shut down gracefully on
/// SIGTERM or SIGINT (exit 0 once in-flight work is done or `--shutdown-timeout` passed).
enum Serve {
    static func run(_ configuration: Configuration) -> Never {
        let application: Application
        do {
            application = try Application(configuration: configuration)
        } catch {
            // A log line like every other one the server writes (JSON, with `ts`).
            Logger().error("cannot start", ["error": "\(error)"])
            exit(1)
        }
        if let key = application.bootstrapKey {
            // Written unbuffered: `serve` never returns, so buffered stdout would never reach a pipe.
            FileHandle.standardOutput.write(
                Data("No API key existed, so an admin key was created. It is shown only this once:\n\(key.secret)\n".utf8))
        }
        application.start()
        // Through the same logger as every other line outside a request, so these carry `ts` too.
        let log = Logger()
        log.info("listening", ["address": "\(configuration.host):\(application.port)"])

        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        stop.wait()
        log.info("shutting down")
        application.shutdown()
        log.info("stopped")
        withExtendedLifetime(sources) {}
        exit(0)
    }
}
