import Hummingbird
import Logging

/// Turns every error into the API's JSON envelope, including the router's own 404 and 405,
/// answering a known path called with another method with 405, and logs the faults that are the server's (5xx) with what they were.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError = APIError.from(error)
            // The router's own 404 (not a route's): is the path known under another method?
            if apiError.status == .notFound, error is HTTPError {
                let methods = RouteTable.methods(for: request.uri.path)
                if !methods.isEmpty {
                    apiError = APIError(
                        .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: " or "))",
                        allow: methods.joined(separator: ", "))
                }
            }
            if apiError.code == "busy" {
                // Load or another program's lock, not a fault: the client was told to retry.
                context.logger.warning("request refused as busy", metadata: ["path": "\(request.uri.path)", "reason": "\(apiError.message)"])
            } else if apiError.status.code >= 500 {
                context.logger.error(
                    "request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(describing: error).prefix(500))"])
            }
            return try apiError.response(from: request, context: context)
        }
    }
}
