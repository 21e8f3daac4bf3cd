import Foundation
import HTTPTypes
import Hummingbird
import KindredEngine

/// Lets a request through only with a key of a role the routes allow, and records who it
/// speaks for: none or an unknown key is 401, a key of another role 403. The key comes as
/// `Authorization: Bearer <key>` or `X-Api-Key: <key>`; a public key's user token as
/// `X-Kindred-User-Token`. Routes whose callers cannot set headers (`navigator.sendBeacon`,
/// server-sent events) may also take them from the query, as `key` and `token`.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = KindredRequestContext

    /// Which credentials the query may carry, beside the headers.
    enum QueryCredentials {
        case none
        /// The user token (event streams).
        case token
        /// The key and the user token (beacons, which send a `text/plain` body and no headers).
        case keyAndToken
    }

    let engine: Engine
    let allowed: Set<ApiRole>
    var query: QueryCredentials = .none

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let parameters = request.uri.queryParameters
        guard let presented = Self.key(in: request) ?? (query == .keyAndToken ? Self.bounded(parameters.get("key")) : nil) else {
            throw APIError(
                .unauthorized, code: "missing_key",
                message: "this endpoint needs an API key (Authorization: Bearer <key>); create one with `kindred keys create`")
        }
        guard let (keyID, role) = try engine.authenticate(key: presented) else {
            throw APIError(.unauthorized, code: "invalid_key", message: "the API key is unknown or revoked")
        }
        guard allowed.contains(role) else {
            let roles = ApiRole.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: " or ")
            throw APIError(.forbidden, code: "forbidden", message: "this endpoint needs a key of role \(roles); the key given is \(role.rawValue)")
        }
        var context = context
        context.keyID = keyID
        context.caller = Caller(role: role)
        // Admin and ingest keys act for anyone: a token beside them means nothing and is not read.
        if role == .public, let token = request.headers[.userToken] ?? (query == .none ? nil : parameters.get("token")), !token.isEmpty {
            context.caller.tokenUserID = try engine.verifyUserToken(token)
        }
        return try await next(request, context)
    }

    static func key(in request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return bounded(trimmed(parts[1]))
            }
        }
        return bounded(request.headers[.apiKey])
    }

    /// The credential without surrounding blanks. Keys are ASCII, so an ASCII value is trimmed
    /// of spaces and tabs byte by byte (Foundation's trimming cost a percent of a request);
    /// anything else is trimmed of every Unicode blank, as before.
    static func trimmed(_ value: Substring) -> String {
        guard value.utf8.allSatisfy({ $0 < 0x80 }) else { return value.trimmingCharacters(in: .whitespaces) }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        let bytes = value.utf8
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) }) else { return "" }
        return String(value[first...last])
    }

    private static func bounded(_ key: String?) -> String? {
        guard let key, !key.isEmpty, key.utf8.count <= 200 else { return nil }
        return key
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("X-Api-Key")!
    static let userToken = HTTPField.Name("X-Kindred-User-Token")!
}
