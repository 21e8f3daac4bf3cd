import Foundation
import Hummingbird

extension Request {
    /// The whole body, refused with 413 when it is larger than `limit` bytes (before reading
    /// it when the client declared its length).
    func bodyData(limit: Int) async throws -> Data {
        if let declared = headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        var collected = ByteBuffer()
        var body = self.body.makeAsyncIterator()
        while var chunk = try await body.next() {
            guard collected.readableBytes + chunk.readableBytes <= limit else { throw APIError.bodyTooLarge(limit: limit) }
            collected.writeBuffer(&chunk)
        }
        return Data(collected.readableBytesView)
    }
}

extension APIError {
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "body_too_large", message: "the request body is larger than \(limit) bytes")
    }
}
