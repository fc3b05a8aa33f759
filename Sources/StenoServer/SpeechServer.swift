import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Steno

/// How a ``SpeechServer`` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// Address to listen on (default 127.0.0.1: this machine only; see the README before exposing it).
    public var host = "127.0.0.1"
    /// TCP port (default 2700, vosk-server's); 0 picks a free one (see ``SpeechServer/run(onListening:)``).
    public var port = 2700
    /// Most WebSocket sessions open at once; more are closed with code 1013 (try again later).
    public var maxConnections = 8
    /// Largest WebSocket message (and frame) a client may send, in bytes (default 1 MiB, 32 s of
    /// 16 kHz audio); larger ones close the connection with code 1009.
    public var maxMessageBytes = 1 << 20
    /// Largest file `POST /transcribe` accepts, in bytes (default 100 MiB); larger ones get 413.
    public var maxUploadBytes = 100 << 20
    /// Uploads waiting for the transcriber beyond the one being transcribed; more get 503.
    public var maxQueuedUploads = 8
    /// Sample rate assumed for clients that send no config, in Hz.
    public var defaultSampleRate = 16_000
    /// Longest wait at shutdown for open sessions to send their last results, in seconds.
    public var shutdownGraceSeconds = 10.0
    /// Whether the server logs (start, refusals, protocol errors) to standard error.
    public var logs = true

    /// The defaults above.
    public init() {}
}

/// The speech server behind `steno serve`: vosk-server's WebSocket protocol at `/` (see
/// ``VoskSession``), `POST /transcribe` for whole files (the JSON of `steno transcribe --format json`),
/// `GET /` for a web page with microphone capture and a file picker, and `GET /status`.
///
/// One ``SpeechEngine`` (one loaded model) serves every connection; each WebSocket session has its own
/// stream state. A fault in one session (malformed JSON, a wrong message type, an oversized message,
/// a client that vanishes) closes only that session.
public final class SpeechServer: Sendable {
    /// The model and options every connection shares.
    public let engine: SpeechEngine
    /// How the server listens and what it accepts.
    public let configuration: ServerConfiguration
    let registry: ConnectionRegistry
    let transcriber: UploadTranscriber
    private let logger: Logger
    private let stopping = ShutdownTrigger()

    /// Creates a server; nothing listens until ``run(onListening:)``.
    public init(engine: SpeechEngine, configuration: ServerConfiguration) {
        self.engine = engine
        self.configuration = configuration
        var logger = Logger(label: "steno.serve") { label in
            configuration.logs ? StreamLogHandler.standardError(label: label) as any LogHandler : SwiftLogNoOpLogHandler()
        }
        logger.logLevel = .info
        self.logger = logger
        registry = ConnectionRegistry(limit: configuration.maxConnections)
        transcriber = UploadTranscriber(recognizer: engine.recognizer, maxQueued: configuration.maxQueuedUploads)
    }

    /// WebSocket sessions open now.
    public var openSessions: Int { registry.count }

    /// Listens and serves until ``shutdown()``; calls `onListening` with the bound port once it listens.
    /// - Throws: when the address cannot be bound (in use, not an address of this machine).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let assets = try WebAssets.load()
        let application = Application(
            router: httpRouter(assets: assets),
            server: .http1WebSocketUpgrade(
                webSocketRouter: webSocketRouter(),
                configuration: .init(ws: .init(maxFrameSize: configuration.maxMessageBytes, closeTimeout: .seconds(5)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "steno"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask { [configuration] in
                do {
                    try await group.run()
                } catch let error as IOError {
                    // bind() and friends: the system's words, not NIO's call site.
                    throw ListenError(address: "\(configuration.host):\(configuration.port)", reason: String(cString: strerror(error.errnoCode)))
                }
                return true
            }
            tasks.addTask { [self] in
                await stopping.wait()
                if Task.isCancelled { return false }
                registry.beginShutdown()
                // Open sessions send their last results and close; then the listener stops and open
                // HTTP requests finish.
                await withTaskGroup(of: Void.self) { wait in
                    wait.addTask { await self.registry.waitUntilEmpty() }
                    wait.addTask { try? await Task.sleep(for: .seconds(self.configuration.shutdownGraceSeconds)) }
                    await wait.next()
                    wait.cancelAll()
                }
                await group.triggerGracefulShutdown()
                return false
            }
            // Until the server itself has stopped (after a graceful shutdown, or failing to bind).
            while let serverStopped = try await tasks.next(), !serverStopped {}
            tasks.cancelAll()
        }
    }

    /// Stops the server: refuses new sessions, lets every open session send the final result of the
    /// utterance in progress and closes it (code 1001), then stops listening. ``run(onListening:)``
    /// returns once open HTTP requests are answered.
    public func shutdown() { stopping.fire() }

    // MARK: - Implementation details

    private func httpRouter(assets: WebAssets) -> Router<BasicRequestContext> {
        let router = Router()
        for (path, asset) in assets.files {
            router.get(RouterPath(path)) { _, _ in asset.response() }
        }
        router.get("/status") { [self] _, _ in
            let json = "{\"sample_rate\": \(engine.modelRate), \"connections\": \(registry.count), \"max_connections\": \(registry.limit)}\n"
            return jsonResponse(.ok, json)
        }
        router.post("/transcribe") { [self] request, _ in
            await transcribe(request)
        }
        return router
    }

    private func transcribe(_ request: Request) async -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxUploadBytes)
        } catch is NIOTooManyBytesError {
            return errorResponse(.contentTooLarge, "the upload is larger than \(configuration.maxUploadBytes) bytes (--max-upload-mb)")
        } catch {
            return errorResponse(.badRequest, "cannot read the upload: \(error)")
        }
        let name = request.uri.queryParameters.get("name").map { String($0) } ?? "upload"
        guard body.readableBytes > 0 else {
            return errorResponse(.badRequest, "\(name): the request has no body; POST the audio file's bytes (curl --data-binary @FILE)")
        }
        switch await transcriber.transcribe(Array(body.readableBytesView), name: name) {
        case .success(let transcript):
            return jsonResponse(.ok, transcript.rendered(as: TranscriptFormat.json))
        case .failure(.busy):
            return errorResponse(.serviceUnavailable, "the server is busy transcribing other uploads; try again later")
        case .failure(.audio(let error)):
            return errorResponse(.badRequest, "\(error)")
        case .failure(.other(let message)):
            return errorResponse(.internalServerError, "\(name): \(message)")
        }
    }

    private func webSocketRouter() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/") { [self] inbound, outbound, _ in
            try await converse(inbound: inbound, outbound: outbound)
        }
        return router
    }

    /// What ended a session's reading.
    private enum Ending: Sendable {
        /// The client sent `eof` and got its final result.
        case finished
        /// The client closed the connection or it broke.
        case clientGone
        /// The client broke the protocol.
        case violation(VoskProtocolError)
        /// The server is shutting down.
        case shutdown
    }

    /// One WebSocket session, from admission to close.
    private func converse(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let admitted: (id: Int, trigger: ShutdownTrigger)
        switch registry.admit() {
        case .success(let value):
            admitted = value
        case .failure(.full(let limit)):
            logger.info("refused a WebSocket session: \(limit) open (--max-connections)")
            try await outbound.close(Self.code(.tryAgainLater), reason: "server busy: \(limit) sessions open (--max-connections); try again later")
            return
        case .failure(.shuttingDown):
            try await outbound.close(Self.code(.goingAway), reason: "server is shutting down")
            return
        }
        defer { registry.release(admitted.id) }
        let session = SessionBox(VoskSession(engine: engine, defaultSampleRate: configuration.defaultSampleRate))
        let maxMessageBytes = configuration.maxMessageBytes
        let ending = try await withThrowingTaskGroup(of: Ending.self) { group in
            group.addTask { try await Self.read(inbound, into: session, replyingTo: outbound, maxMessageBytes: maxMessageBytes) }
            group.addTask {
                await admitted.trigger.wait()
                return .shutdown
            }
            defer { group.cancelAll() }
            // The first to finish decides; the other is cancelled (a reply being written may be lost
            // at shutdown, but the final result sent then covers its audio).
            let first: Ending
            do {
                first = try await group.next() ?? .clientGone
            } catch {
                group.cancelAll()
                while (try? await group.next()) != nil {}
                throw error
            }
            group.cancelAll()
            while (try? await group.next()) != nil {}
            return first
        }
        switch ending {
        case .finished, .clientGone:
            return
        case .violation(let error):
            logger.info("closed a WebSocket session: \(error)")
            try await outbound.close(Self.code(error.code), reason: Self.clipped(error.reason))
        case .shutdown:
            if let final = session.value.finishForShutdown() { try? await outbound.write(.text(final)) }
            try await outbound.close(Self.code(.goingAway), reason: "server is shutting down")
        }
    }

    /// Reads messages and answers them until `eof`, a protocol violation or the end of the connection.
    private static func read(_ inbound: WebSocketInboundStream, into session: SessionBox, replyingTo outbound: WebSocketOutboundWriter,
                             maxMessageBytes: Int) async throws -> Ending {
        for try await message in inbound.messages(maxSize: maxMessageBytes) {
            let reply: VoskSession.Reply
            do {
                switch message {
                case .text(let text):
                    reply = try session.value.receive(text: text)
                case .binary(let buffer):
                    reply = try buffer.withUnsafeReadableBytes { bytes throws(VoskProtocolError) in try session.value.receive(audio: bytes) }
                }
            } catch {
                return .violation(error)
            }
            switch reply {
            case .none: continue
            case .send(let json): try await outbound.write(.text(json))
            case .sendAndClose(let json):
                try await outbound.write(.text(json))
                return .finished
            }
        }
        return .clientGone
    }

    private static func code(_ code: VoskProtocolError.Code) -> WebSocketErrorCode { WebSocketErrorCode(codeNumber: Int(code.rawValue)) }

    /// A close reason fits in 123 bytes of UTF-8 (RFC 6455, 5.5: 125 bytes of payload less the code).
    static func clipped(_ reason: String) -> String {
        var result = ""
        for character in reason {
            if result.utf8.count + String(character).utf8.count > 120 { return result + "…".prefix(1) }
            result.append(character)
        }
        return result
    }
}

/// The server could not listen: the address is in use, or not one of this machine's.
public struct ListenError: Error, CustomStringConvertible {
    /// `host:port` as configured.
    public var address: String
    /// The system's reason.
    public var reason: String
    public var description: String { "\(address): \(reason)" }
}

/// A session handed between the reading task and the one that closes; they never run at once.
private final class SessionBox: @unchecked Sendable {
    let value: VoskSession
    init(_ value: VoskSession) { self.value = value }
}

/// A JSON response with `body` as it is.
func jsonResponse(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
}

/// `{"error": "message"}` with `status`.
func errorResponse(_ status: HTTPResponse.Status, _ message: String) -> Response {
    jsonResponse(status, "{\"error\": \(jsonQuoted(message))}\n")
}
