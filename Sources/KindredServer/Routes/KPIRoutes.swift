import Hummingbird
import KindredEngine

/// `GET /v1/kpis` for administrators: what `kindred kpis` prints, through the same Engine
/// function and the same parsing.
struct KPIRoutes {
    let engine: Engine

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("kpis") { request, _ -> Response in
            let query = QueryReader(request.uri.queryParameters)
            let kpis = try KPIQuery.parse(
                by: try query.given("by", maxLength: 16), from: try query.given("from", maxLength: 10), to: try query.given("to", maxLength: 10),
                daily: try query.flag("daily") ?? false)
            return try JSONResponse.make(try engine.kpis(kpis))
        }
    }
}
