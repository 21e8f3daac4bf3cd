import Hummingbird
import KindredEngine

/// `GET /v1/segments` (administrators: what `kindred segments report` prints) and
/// `GET /v1/users/{id}/segments` (an administrator, or the person with their own user token).
struct SegmentRoutes {
    let engine: Engine

    func addReport(to group: RouterGroup<KindredRequestContext>) {
        group.get("segments") { request, _ -> Response in
            let query = QueryReader(request.uri.queryParameters)
            return try JSONResponse.make(try engine.segmentsReport(days: try query.integer("days", in: 1...3660) ?? 30))
        }
    }

    func addPerson(to group: RouterGroup<KindredRequestContext>) {
        group.get("users/{id}/segments") { _, context -> Response in
            let userID = try PathID.read("id", context)
            // Segments describe a person to the shop: the shop's administrators may read them, and
            // the person may read their own; a storefront key alone may not read anyone's.
            if context.caller.role != .admin { try context.caller.requireActing(for: userID) }
            return try JSONResponse.make(try engine.personSegments(userID: userID))
        }
    }
}
