import Foundation
import Hummingbird
import KindredEngine
import KindredStore

/// Every error the API returns: `{"error": {"code", "message", "field"}}` with a 4xx status
/// (5xx only for faults of the server itself). Errors know their status, so routes just throw.
struct APIError: HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    /// For 405: the methods the path does answer.
    var allow: String?
    /// For 503 `busy`: seconds after which the same request may be sent again.
    var retryAfter: Int?

    init(
        _ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, allow: String? = nil,
        retryAfter: Int? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.allow = allow
        self.retryAfter = retryAfter
    }

    /// The API form of any error a route or middleware lets escape.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let problem as RequestProblem:
            let status: HTTPResponse.Status
            switch problem.kind {
            case .invalid: status = .badRequest
            case .unauthorized: status = .unauthorized
            case .notFound: status = .notFound
            case .tooLarge: status = .contentTooLarge
            case .conflict: status = .conflict
            case .unavailable, .busy: status = .serviceUnavailable
            }
            return APIError(
                status, code: problem.code, message: problem.message, field: problem.field, retryAfter: problem.retryAfterSeconds)
        case let error where StoreError.isBusy(error):
            // Any route whose write met a lock held past the busy timeout: nothing was written.
            return APIError(
                .serviceUnavailable, code: "busy", message: "the database is locked by another connection; try again shortly",
                retryAfter: 2)
        case let error as DataError:
            return APIError(
                .badRequest, code: "invalid_field", message: error.line.map { "line \($0): \(error.message)" } ?? error.message,
                field: error.field)
        case let error as HTTPResponseError:
            return APIError(error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
        default:
            return APIError(.internalServerError, code: "internal", message: "the server could not complete the request")
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["code": code, "message": message]
        if let field { body["field"] = field }
        var response = try JSONResponse.make(["error": body], status: status)
        if let allow { response.headers[.allow] = allow }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}

/// JSON bodies, encoded the same way everywhere: snake_case keys, sorted, no escaped slashes.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
