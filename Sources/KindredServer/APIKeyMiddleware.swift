import Foundation
import HTTPTypes
import Hummingbird
import KindredEngine

/// Lets a request through only with a key of the role required: none or an unknown key is
/// 401, a public key where an admin key is needed is 403. The key comes as
/// `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = KindredRequestContext
    let engine: Engine
    let required: ApiRole

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let presented = Self.key(in: request) else {
            throw APIError(
                .unauthorized, code: "missing_key",
                message: "this endpoint needs an API key (Authorization: Bearer <key>); create one with `kindred keys create`")
        }
        guard let (keyID, role) = try engine.authenticate(key: presented) else {
            throw APIError(.unauthorized, code: "invalid_key", message: "the API key is unknown or revoked")
        }
        guard role.permits(required) else {
            throw APIError(
                .forbidden, code: "forbidden", message: "this endpoint needs an \(required.rawValue) key; the key given is \(role.rawValue)"
            )
        }
        var context = context
        context.keyID = keyID
        context.role = role
        return try await next(request, context)
    }

    static func key(in request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                return key.isEmpty || key.utf8.count > 200 ? nil : key
            }
        }
        if let key = request.headers[.apiKey], !key.isEmpty, key.utf8.count <= 200 {
            return key
        }
        return nil
    }
}

extension HTTPField.Name {
    static let apiKey = HTTPField.Name("X-Api-Key")!
}
