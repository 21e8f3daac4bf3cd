import Foundation
import HummingbirdTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Connections as slow or old clients make them, over a raw socket to the real server.
@Suite struct SlowClientTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(train: false, users: 20, items: 20, events: 300)
    }

    /// A TCP connection to the server on loopback that sends raw bytes.
    final class RawConnection: @unchecked Sendable {
        let descriptor: Int32

        init(port: Int) throws {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        }

        deinit { close(descriptor) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, bytes.count, 0) }
        }

        /// `readUntilClosed` on a thread of its own: blocking reads on the test's async task (or
        /// on Dispatch's global queue, as wide as the machine has cores) would hold one of the few
        /// threads the server's own route handlers run on.
        /// `since` is when the caller's clock started (its connection, say): a reading thread
        /// that starts late on a loaded machine must not shorten the time measured.
        func awaitClose(timeout: Double, since: Date = Date()) async -> (text: String, closedAfter: Double?) {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: self.readUntilClosed(timeout: timeout, since: since)) }.start()
            }
        }

        /// Reads until the server closes the connection or `timeout` passes; returns what came
        /// and how long until the close (nil when it stayed open).
        func readUntilClosed(timeout: Double, since started: Date = Date()) -> (text: String, closedAfter: Double?) {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date().timeIntervalSince(started) < timeout {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 4096, 0) }
                if count <= 0 { return (String(decoding: received, as: UTF8.self), Date().timeIntervalSince(started)) }
                received += buffer[0..<count]
            }
            return (String(decoding: received, as: UTF8.self), nil)
        }
    }

    @Test func aConnectionThatSendsHalfItsHeadersIsClosedAfterTheIdleTimeout() async throws {
        let closedAfter = try await harness.withServer({ $0.idleTimeout = 1 }) { client, _ in
            // The server's idle clock starts when it accepts the connection: so does this one.
            let connected = Date()
            let connection = try RawConnection(port: client.port!)
            connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            let outcome = await connection.awaitClose(timeout: 60, since: connected)
            #expect(outcome.text.isEmpty, "no answer to half a request: \(outcome.text)")
            return outcome.closedAfter
        }
        // Without an idle timeout the server never closed such a connection; with one of 1 s it
        // closes it (how soon depends on the machine's load, so only the order is asserted).
        let seconds = try #require(closedAfter, "the half-sent request kept its connection open for a minute")
        #expect(seconds >= 0.5, "closed after \(seconds) s, before the idle timeout")
    }

    @Test(arguments: ["GET /healthz HTTP/1.0\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"])
    func aRequestThatAsksForItIsAnsweredAndItsConnectionClosed(request: String) async throws {
        // An idle timeout of ten minutes: a close within the minute comes from the request.
        let outcome = try await harness.withServer({ $0.idleTimeout = 600 }) { client, _ in
            let connection = try RawConnection(port: client.port!)
            connection.send(request)
            return await connection.awaitClose(timeout: 60)
        }
        #expect(outcome.text.hasPrefix("HTTP/1.") && outcome.text.contains(" 200 "), "\(outcome.text)")
        #expect(outcome.text.contains(#""status""#) || outcome.text.contains("ok"), "\(outcome.text)")
        #expect(outcome.closedAfter != nil, "the connection stayed open after the answer")
    }

    @Test func aKeepAliveConnectionServesSeveralRequests() async throws {
        let outcome = try await harness.withServer({ $0.idleTimeout = 1 }) { client, _ in
            let connection = try RawConnection(port: client.port!)
            connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return await connection.awaitClose(timeout: 60)
        }
        #expect(outcome.text.components(separatedBy: "HTTP/1.1 200").count == 3, "\(outcome.text)")
        #expect(outcome.closedAfter != nil, "an idle keep-alive connection is closed after the timeout too")
    }
}
