import Foundation
import Hummingbird
import KindredEngine
import KindredStore

/// `GET /v1/users/{id}/recommendations` and `GET /v1/items/{id}/similar`. What each response
/// showed goes to the impression log through the event writer, without waiting for it.
struct RecommendationRoutes {
    let engine: Engine
    let writer: GroupCommitWriter
    let metrics: ServerMetrics

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("users/{id}/recommendations") { request, context -> Response in
            let (response, shown) = try engine.recommendForDisplay(try Self.read(request, context), caller: context.caller)
            writer.log([shown])
            metrics.impressionsLogged.increment(by: Int64(shown.items.count))
            return try RecommendationJSON.response(response)
        }

        group.get("items/{id}/similar") { request, context -> Response in
            let query = QueryReader(request.uri.queryParameters)
            let (response, shown) = try engine.similarItemsForDisplay(
                to: try PathID.read("id", context), k: try query.integer("k", in: RecommendationRequest.kRange) ?? 10,
                userID: try query.identifier("user_id"), caller: context.caller)
            writer.log([shown])
            metrics.impressionsLogged.increment(by: Int64(shown.items.count))
            return try RecommendationJSON.response(response)
        }
    }

    /// A recommendation request from the path's person and the query: one reading for the
    /// list and its stream.
    static func read(_ request: Request, _ context: KindredRequestContext) throws -> RecommendationRequest {
        let query = QueryReader(request.uri.queryParameters)
        var recommendation = RecommendationRequest(
            userID: try PathID.read("id", context), k: try query.integer("k", in: RecommendationRequest.kRange) ?? 10)
        recommendation.includeCategories = try query.list("category", maxLength: 64)
        recommendation.excludeItemIDs = try query.list("exclude", maxLength: 200)
        recommendation.excludePurchased = try query.flag("exclude_purchased") ?? true
        recommendation.excludeSeen = try query.flag("exclude_seen")
        recommendation.device = try query.device()
        recommendation.country = try query.text("country", maxLength: 16)
        recommendation.region = try query.text("region", maxLength: 64)
        recommendation.hour = try query.integer("hour", in: 0...23)
        // Ranges are the Engine's to check, in the words the command line uses.
        recommendation.diversity = try query.number("diversity")
        recommendation.maxPerCategory = try query.integer("max_per_category", in: Int.min...Int.max)
        recommendation.maxPerBrand = try query.integer("max_per_brand", in: Int.min...Int.max)
        return recommendation
    }
}
