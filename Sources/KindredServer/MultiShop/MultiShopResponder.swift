import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Routes each request of `kindred serve --shops DIR` to one shop's routes: by the path
/// (`/shops/NAME/v1/...`, the shop segment taken off before the shop sees it), or, without one,
/// by the API key, which belongs to exactly one shop. `/healthz` answers for the server and
/// lists the shops. The shop's own middleware then checks the key again, so that a key of one
/// shop is refused by every other (`invalid_key`, 401).
struct MultiShopResponder: HTTPResponder {
    typealias Context = KindredRequestContext

    let folder: ShopFolder

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path == "/healthz" { return try health(request, context: context) }
        if path == "/shops" || path.hasPrefix("/shops/") {
            let rest = path.dropFirst("/shops/".count)
            let name = String(rest.prefix { $0 != "/" })
            guard !name.isEmpty else {
                return try APIError(.notFound, code: "unknown_shop", message: "name a shop: /shops/NAME/v1/...").response(
                    from: request, context: context)
            }
            let remainder = String(rest.dropFirst(name.count))
            return try await forward(request, to: name, path: remainder.isEmpty ? "/" : remainder, context: context)
        }
        guard let key = APIKeyMiddleware.key(in: request) ?? request.uri.queryParameters.get("key") else {
            return try APIError(
                .notFound, code: "unknown_shop",
                message: "this server serves several shops: put the shop in the path (/shops/NAME\(path)) or send the shop's API key"
            ).response(from: request, context: context)
        }
        guard let name = folder.shop(forKey: key) else {
            return try APIError(.unauthorized, code: "invalid_key", message: "the API key is unknown or revoked in every shop").response(
                from: request, context: context)
        }
        return try await forward(request, to: name, path: nil, context: context)
    }

    private func forward(_ request: Request, to name: String, path: String?, context: Context) async throws -> Response {
        switch folder.entry(name) {
        case .serving(_, let server):
            var request = request
            if let path {
                var head = request.head
                let query = request.uri.query.map { "?" + $0 } ?? ""
                head.path = path + query
                request = Request(head: head, body: request.body)
            }
            // The shop's dashboard writes its links, redirects and cookie for the address used.
            return try await DashboardPath.$base.withValue("/shops/\(name)/dashboard") {
                try await server.responder.respond(to: request, context: context)
            }
        case .unavailable(let reason, _):
            return try APIError(
                .serviceUnavailable, code: "shop_unavailable",
                message: "shop \(name) is not being served: \(reason.prefix(300)); fix or replace its file and it is picked up again",
                retryAfter: 30
            ).response(from: request, context: context)
        case nil:
            return try APIError(.notFound, code: "unknown_shop", message: "no shop called \(name) in this server's folder").response(
                from: request, context: context)
        }
    }

    private func health(_ request: Request, context: Context) throws -> Response {
        let shops = folder.states().map { state -> [String: Any] in
            var shop: [String: Any] = ["name": state.name, "serving": state.serving]
            if let reason = state.reason { shop["reason"] = String(reason.prefix(300)) }
            return shop
        }
        let body = try JSONSerialization.data(withJSONObject: ["status": "ok", "shops": shops], options: [.sortedKeys])
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
