import Hummingbird
import KindredEngine

/// `PUT /v1/items/{id}` and `DELETE /v1/items/{id}`: catalog upkeep between imports.
struct CatalogRoutes {
    let engine: Engine
    let configuration: ServerConfiguration

    struct ItemWritten: Codable {
        var itemId: String
        var created: Bool
    }

    struct ItemRemoved: Codable {
        var itemId: String
        /// "deleted", or "retired" when events refer to it and it stays as history.
        var removal: String
    }

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.put("items/{id}") { request, context -> Response in
            let itemID = try PathID.read("id", context)
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            let created = try engine.acting(as: context.actor).putItem(itemID, body: body)
            return try JSONResponse.make(ItemWritten(itemId: itemID, created: created), status: created ? .created : .ok)
        }

        group.delete("items/{id}") { _, context -> Response in
            let itemID = try PathID.read("id", context)
            let removal = try engine.acting(as: context.actor).removeItem(itemID)
            return try JSONResponse.make(ItemRemoved(itemId: itemID, removal: removal == .deleted ? "deleted" : "retired"))
        }
    }
}
