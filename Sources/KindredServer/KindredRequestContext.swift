import Hummingbird
import KindredEngine

/// The per-request state: Hummingbird's own, and the API key that authenticated the request.
struct KindredRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var keyID: String?
    var role: ApiRole?

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Who acts, for the audit log: the key's id.
    var actor: String { "api:\(keyID ?? "anonymous")" }
}
