import Hummingbird
import KindredEngine

/// `POST /v1/consents`: a consent banner's decision.
struct ConsentRoutes {
    let engine: Engine
    let configuration: ServerConfiguration

    struct Recorded: Codable {
        /// False when the same decision was recorded already.
        var recorded: Bool
    }

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.post("consents") { request, context -> Response in
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            let recorded = try engine.recordConsent(body: body, caller: context.caller)
            return try JSONResponse.make(Recorded(recorded: recorded), status: recorded ? .created : .ok)
        }
    }
}
