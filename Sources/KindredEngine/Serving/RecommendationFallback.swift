import KindredStore

/// Before any model is trained: the most interacted-with catalog items.
enum RecommendationFallback {
    static func withoutModel(_ request: RecommendationRequest, database: KindredDatabase, userPK: Int64?) throws -> RecommendationResponse {
        let rows = try database.writer.read { db in
            try PopularItems.top(limit: request.k, inStockOnly: request.inStockOnly, excludingPreferencesOf: userPK, in: db)
        }
        return RecommendationResponse(
            items: rows.map {
                Recommendation(
                    itemID: $0.itemID, title: $0.title, category: $0.category, price: $0.price, score: Float($0.people), reason: "popular")
            },
            personalized: false, modelVersion: nil, algorithm: "none")
    }
}
