import Hummingbird
import KindredEngine

/// The per-request state: Hummingbird's own, the API key that authenticated the request, and
/// whom it speaks for.
struct KindredRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var keyID: String?
    /// Set by `APIKeyMiddleware`; routes without a key (health, the tracker script) speak for nobody.
    var caller = Caller(role: .public)

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Who acts, for the audit log: the key's id.
    var actor: String { "api:\(keyID ?? "anonymous")" }
}
