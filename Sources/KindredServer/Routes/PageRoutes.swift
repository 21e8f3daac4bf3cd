import Foundation
import Hummingbird
import KindredEngine
import KindredStore

/// `GET /v1/users/{id}/page?surface=home` (or `surface=product&item=ID`): the person's page of
/// content blocks. Each block's list goes to the impression log under its own request id.
struct PageRoutes {
    let engine: Engine
    let writer: GroupCommitWriter
    let metrics: ServerMetrics

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("users/{id}/page") { request, context -> Response in
            let query = QueryReader(request.uri.queryParameters)
            var page = PageRequest(
                userID: try PathID.read("id", context), surface: try PageRequest.surface(parsing: try query.text("surface", maxLength: 16) ?? "home"),
                itemID: try query.identifier("item"))
            page.device = try query.device()
            page.country = try query.text("country", maxLength: 16)
            page.hour = try query.integer("hour", in: 0...23)
            let (response, shown) = try engine.pageForDisplay(page, caller: context.caller)
            writer.log(shown)
            metrics.impressionsLogged.increment(by: Int64(shown.reduce(0) { $0 + $1.items.count }))
            return try PageJSON.response(response)
        }
    }
}
