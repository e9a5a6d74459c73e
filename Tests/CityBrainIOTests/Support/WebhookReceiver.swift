import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A webhook receiver on loopback for tests: a plain HTTP/1.1 server on its own thread that can
/// fail, be slow, and restart (stop listening, then listen again on the same port).
final class WebhookReceiver: Sendable {
    /// One request it answered with 2xx.
    struct Delivery: Sendable {
        var headers: [String: String]
        var body: [UInt8]
        var seq: UInt64? { headers["x-citybrain-seq"].flatMap { UInt64($0) } }
    }

    private struct State {
        var listener: Int32 = -1
        var delivered: [Delivery] = []
        var requests = 0
        /// Answer this many requests with 503 before accepting.
        var failNext = 0
        /// Sleep before answering.
        var delay: Double = 0
        var stopped = false
    }

    let port: UInt16
    private let state = Mutex(State())

    init() throws {
        let listener = try Self.listen(port: 0)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        state.withLock { $0.listener = listener }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var delivered: [Delivery] { state.withLock { $0.delivered } }
    var requests: Int { state.withLock { $0.requests } }

    func failNext(_ count: Int) { state.withLock { $0.failNext = count } }
    func setDelay(_ seconds: Double) { state.withLock { $0.delay = seconds } }

    /// Stops listening for `seconds` (connections are refused), then listens again on the same port.
    func restart(after seconds: Double) throws {
        let old = state.withLock { state in defer { state.listener = -1 }; return state.listener }
        shutdown(old, Int32(SHUT_RDWR))
        close(old)
        usleep(UInt32(seconds * 1_000_000))
        let listener = try Self.listen(port: port)
        state.withLock { $0.listener = listener }
    }

    func stop() {
        let listener = state.withLock { state in
            state.stopped = true
            return state.listener
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let (listener, stopped) = state.withLock { ($0.listener, $0.stopped) }
            if stopped { return }
            guard listener >= 0 else { usleep(5_000); continue }
            var pollDescriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pollDescriptor, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { return }
            buffer += chunk[0..<count]
            if headerEnd == nil, let end = Self.find([13, 10, 13, 10], in: buffer) {
                headerEnd = end + 4
                let head = String(decoding: buffer[0..<end], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headerEnd, buffer.count >= headerEnd + contentLength { break }
        }
        let end = headerEnd!
        var headers: [String: String] = [:]
        for line in String(decoding: buffer[0..<(end - 4)], as: UTF8.self).split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = Array(buffer[end..<(end + contentLength)])
        let (delay, fail) = state.withLock { state -> (Double, Bool) in
            state.requests += 1
            if state.failNext > 0 {
                state.failNext -= 1
                return (state.delay, true)
            }
            return (state.delay, false)
        }
        if delay > 0 { usleep(UInt32(delay * 1_000_000)) }
        if !fail { state.withLock { $0.delivered.append(Delivery(headers: headers, body: body)) } }
        let response = fail ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            : "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
        _ = response.withCString { write(connection, $0, strlen($0)) }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        return nil
    }

    private static func listen(port: UInt16) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, Glibc.listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot listen on 127.0.0.1:\(port)"])
        }
        return descriptor
    }
}
