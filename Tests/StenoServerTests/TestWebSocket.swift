import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Steno
@testable import StenoServer

/// A WebSocket client for the tests, on SwiftNIO's client upgrader and frame codec: connects,
/// sends text and binary messages (masked, as a client must) and reads what the server sends.
struct TestWebSocket {
    /// What arrived from the server.
    enum Received: Equatable {
        case text(String)
        /// A close frame (code and reason), or the connection's end without one (`code` nil).
        case closed(code: UInt16?, reason: String)
    }

    private enum UpgradeResult {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case notUpgraded
    }

    let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

    /// Connects to ws://127.0.0.1:`port`/ and runs `body` with the open connection; closes it afterwards.
    static func connect<T>(port: Int, path: String = "/", _ body: (inout TestWebSocket) async throws -> T) async throws -> T {
        let upgrade: EventLoopFuture<UpgradeResult> = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeResult>(maxFrameSize: 1 << 24) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            UpgradeResult.websocket(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "127.0.0.1:\(port)")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { UpgradeResult.notUpgraded } })
                    // Bytes that arrive with the 101 response (a server that closes at once) belong to the WebSocket.
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
                }
            }
        guard case .websocket(let asyncChannel) = try await upgrade.get() else { throw TestError("the server did not upgrade to WebSocket") }
        return try await asyncChannel.executeThenClose { inbound, outbound in
            var socket = TestWebSocket(channel: asyncChannel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&socket)
        }
    }

    func send(text: String) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text)))
    }

    func send(binary bytes: some Sequence<UInt8>) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: ByteBuffer(bytes: Array(bytes))))
    }

    /// Sends a frame of any opcode (for protocol-violation tests).
    func send(opcode: WebSocketOpcode, fin: Bool = true, bytes: [UInt8]) async throws {
        try await outbound.write(WebSocketFrame(fin: fin, opcode: opcode, maskKey: .random(), data: ByteBuffer(bytes: bytes)))
    }

    /// The next text message or the close; answers pings and a close frame as a client should.
    mutating func receive() async throws -> Received {
        while let frame = try await inbound.next() {
            switch frame.opcode {
            case .text:
                return .text(String(buffer: frame.unmaskedData))
            case .ping:
                try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData))
            case .connectionClose:
                var data = frame.unmaskedData
                let code = data.readInteger(as: UInt16.self)
                let reason = data.readString(length: data.readableBytes) ?? ""
                try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(),
                                                         data: ByteBuffer(integer: code ?? 1000)))
                return .closed(code: code, reason: reason)
            default:
                continue
            }
        }
        return .closed(code: nil, reason: "connection ended")
    }

    /// The next text message, which must be a JSON object.
    mutating func receiveJSON() async throws -> [String: Any] {
        let received = try await receive()
        guard case .text(let text) = received else { throw TestError("expected a message, got \(received)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { throw TestError("not a JSON object: \(text)") }
        return object
    }

    /// Drops the TCP connection without a close frame, as a client that crashed or lost its network.
    func vanish() async {
        try? await channel.close()
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a server on a free port of 127.0.0.1 for the length of `body`, then shuts it down.
func withServer<T>(engine: SpeechEngine = TestAudio.engine, configure: (inout ServerConfiguration) -> Void = { _ in },
                   _ body: (_ port: Int, _ server: SpeechServer) async throws -> T) async throws -> T {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.logs = false
    configure(&configuration)
    let server = SpeechServer(engine: engine, configuration: configuration)
    let listening = PortPromise()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run { port in listening.fulfil(port) } }
        let port = try await listening.port()
        do {
            let result = try await body(port, server)
            server.shutdown()
            try await group.waitForAll()
            return result
        } catch {
            server.shutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// The port a server listens on, once it does.
final class PortPromise: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int?
    func fulfil(_ port: Int) { lock.withLock { value = port } }
    func port() async throws -> Int {
        for _ in 0..<3000 {
            if let port = lock.withLock({ value }) { return port }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestError("the server did not start listening within 30 s")
    }
}

/// Audio and models for the tests.
enum TestAudio {
    static let samplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    /// The bundled model, greedy and without the LM (fast in a debug build), with the default endpointing.
    static let engine = SpeechEngine(model: try! DefaultModel.load(), options: RecognizerOptions(), endpointing: EndpointOptions())

    /// Two bundled recordings at 16 kHz with a second of silence after each: two utterances.
    static let speech: [Float] = {
        var samples: [Float] = []
        for name in ["station.wav", "time.wav"] {
            samples += try! AudioDecoder.decode(.file(samplesFolder + "/" + name)).samples
            samples += [Float](repeating: 0, count: 16_000)
        }
        return samples
    }()

    /// The first utterance (2 s of speech, 0.5 s of silence) as PCM, and its finals.
    static let stationPCM = pcm(Array(speech.prefix(40_000)))
    static var stationFinals: [String] {
        get throws { try cachedStationFinals.get() }
    }
    private static let cachedStationFinals = Result { try expectedFinals(stationPCM) }

    /// `samples` as 16-bit little-endian PCM.
    static func pcm(_ samples: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples {
            let value = Int16(max(-32_768, min(32_767, (sample * 32_768).rounded())))
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
        }
        return bytes
    }

    /// The final results' JSON lines a `StreamRecognizer` with the engine's options gives for `pcm`.
    static func expectedFinals(_ pcm: [UInt8], inputRate: Int = 16_000, engine: SpeechEngine = engine) throws -> [String] {
        let samples = stride(from: 0, to: pcm.count - 1, by: 2).map { Float(Int16(bitPattern: UInt16(pcm[$0]) | UInt16(pcm[$0 + 1]) << 8)) / 32_768 }
        let stream = try StreamRecognizer(model: engine.model, options: engine.options, inputRate: inputRate, endpointing: engine.endpointing)
        return (try stream.accept(samples) + stream.finish()).compactMap { event in
            if case .final = event { return event.jsonLine() }
            return nil
        }
    }

    /// Streams `pcm` through a session in messages of `chunkBytes` the way Vosk's test.py does (config,
    /// audio with one reply each, eof); returns every reply in order and the close that followed.
    static func converse(port: Int, pcm: [UInt8], chunkBytes: Int = 6_400, config: String = #"{"config": {"sample_rate": 16000}}"#)
        async throws -> (replies: [[String: Any]], finals: [String], close: TestWebSocket.Received) {
        try await TestWebSocket.connect(port: port) { socket in
            try await socket.send(text: config)
            var replies: [[String: Any]] = [], finals: [String] = []
            func take(_ received: TestWebSocket.Received) throws {
                guard case .text(let text) = received else { throw TestError("expected a reply, got \(received)") }
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
                replies.append(object)
                if let final = object["text"] as? String, !final.isEmpty { finals.append(text) }
            }
            for start in stride(from: 0, to: pcm.count, by: chunkBytes) {
                try await socket.send(binary: pcm[start..<min(pcm.count, start + chunkBytes)])
                try take(try await socket.receive())
            }
            try await socket.send(text: #"{"eof" : 1}"#)
            try take(try await socket.receive())
            return (replies, finals, try await socket.receive())
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Sends `request` over a plain TCP connection to 127.0.0.1:`port` and returns every byte the server
/// sends until it closes or `seconds` pass: for checking the exact bytes of a handshake.
func rawExchange(port: Int, request: String, seconds: Int = 10) throws -> [UInt8] {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestError("socket() failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw TestError("connect() failed") }
    let bytes = Array(request.utf8)
    guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw TestError("send() failed") }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !holdsResponseAndFrame(received) {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        received += buffer[0..<count]
    }
    return received
}

/// Whether `bytes` hold an HTTP response head and then one whole short server frame.
private func holdsResponseAndFrame(_ bytes: [UInt8]) -> Bool {
    guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: Array("\r\n\r\n".utf8)) }) else { return false }
    let frame = bytes[(end + 4)...]
    guard frame.count >= 2 else { return false }
    return frame.count >= 2 + Int(frame[frame.startIndex + 1] & 0x7F)
}

/// Runs blocking work (a socket read, a child process) on a thread of its own, so that it does not
/// hold one of the few threads Swift's concurrency (and so the server under test) runs on.
func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
