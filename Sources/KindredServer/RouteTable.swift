/// Every route the server answers, as `openapi.yaml` documents them (a test holds the two
/// equal). Used to answer a known path called with the wrong method with 405 and `Allow`.
enum RouteTable {
    static let routes: [(method: String, pattern: String)] = [
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/v1/tracker.js"),
        ("POST", "/v1/events"),
        ("GET", "/v1/users/{id}/recommendations"),
        ("GET", "/v1/users/{id}/recommendations/stream"),
        ("GET", "/v1/users/{id}/page"),
        ("DELETE", "/v1/users/{id}"),
        ("GET", "/v1/users/{id}/data"),
        ("GET", "/v1/users/{id}/experiments/{key}"),
        ("GET", "/v1/experiments"),
        ("POST", "/v1/experiments"),
        ("POST", "/v1/experiments/{key}/start"),
        ("POST", "/v1/experiments/{key}/stop"),
        ("POST", "/v1/experiments/{key}/ship"),
        ("GET", "/v1/experiments/{key}/report"),
        ("POST", "/v1/experiments/analyze"),
        ("GET", "/v1/experiments/plan"),
        ("GET", "/v1/kpis"),
        ("GET", "/v1/bandits"),
        ("POST", "/v1/bandits/{surface}/reset"),
        ("GET", "/v1/impressions/{request_id}/replay"),
        ("GET", "/v1/segments"),
        ("GET", "/v1/users/{id}/segments"),
        ("GET", "/v1/users/{id}/preferences"),
        ("POST", "/v1/users/{id}/preferences"),
        ("GET", "/v1/items/{id}/similar"),
        ("PUT", "/v1/items/{id}"),
        ("DELETE", "/v1/items/{id}"),
        ("POST", "/v1/consents"),
        ("GET", "/v1/models"),
        ("POST", "/v1/models/train"),
        ("POST", "/v1/models/{version}/activate"),
    ]

    /// The methods routes whose pattern matches `path` answer.
    static func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return routes.filter { route in
            let pattern = route.pattern.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { expected, actual in
                expected.hasPrefix("{") ? !actual.isEmpty : expected == actual
            }
        }.map(\.method)
    }
}
