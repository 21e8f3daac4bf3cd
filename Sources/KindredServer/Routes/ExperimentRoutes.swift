import Hummingbird
import KindredEngine

/// `GET /v1/users/{id}/experiments/{key}`: the variant a storefront shows this person
/// (`device` and `country` in the query, for experiments that target them).
struct ExperimentRoutes {
    let engine: Engine

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("users/{id}/experiments/{key}") { request, context -> Response in
            let userID = try PathID.read("id", context)
            let key = try PathID.read("key", context)
            let query = QueryReader(request.uri.queryParameters)
            return try JSONResponse.make(
                try engine.assignVariant(
                    experiment: key, userID: userID, device: try query.text("device", maxLength: 16)?.lowercased(),
                    country: try query.text("country", maxLength: 16), caller: context.caller))
        }
    }
}
