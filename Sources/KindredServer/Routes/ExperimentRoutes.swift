import Hummingbird
import KindredEngine

/// `GET /v1/users/{id}/experiments/{key}`: the variant a storefront shows this person.
struct ExperimentRoutes {
    let engine: Engine

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("users/{id}/experiments/{key}") { _, context -> Response in
            let userID = try PathID.read("id", context)
            let key = try PathID.read("key", context)
            return try JSONResponse.make(try engine.assignVariant(experiment: key, userID: userID, caller: context.caller))
        }
    }
}
