import HTTPTypes
import Hummingbird

/// CORS for the storefront's pages: only the configured origins (or "*", any) may call the
/// API from a browser. Answers preflight requests itself and adds the allow headers to every
/// response for an allowed origin.
struct AllowedOriginsMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>
    let anyOrigin: Bool

    init(origins: [String]) {
        self.origins = Set(origins)
        anyOrigin = origins.contains("*")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = anyOrigin || origins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                return try APIError(.forbidden, code: "origin_not_allowed", message: "origin \(origin.prefix(100)) may not call this API")
                    .response(from: request, context: context)
            }
            var response = Response(status: .noContent)
            addHeaders(to: &response, origin: origin)
            response.headers[.accessControlAllowMethods] = "GET, POST, PUT, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Content-Type, Authorization, X-Api-Key, X-Kindred-User-Token"
            response.headers[.accessControlMaxAge] = "3600"
            return response
        }
        var response = try await next(request, context)
        if allowed { addHeaders(to: &response, origin: origin) }
        return response
    }

    private func addHeaders(to response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = anyOrigin ? "*" : origin
        // The tracker reads it to wait as long as a busy server asks before sending again.
        response.headers[.accessControlExposeHeaders] = "Retry-After"
        if !anyOrigin { response.headers[.vary] = "Origin" }
    }
}
