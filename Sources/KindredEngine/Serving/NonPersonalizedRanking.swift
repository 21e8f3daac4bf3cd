import KindredLearning
import KindredStore

/// The ranking for people the models know nothing about: what is popular in their country
/// first (when we know it), then a blend of trending and all-time popularity.
enum NonPersonalizedRanking {
    /// Fills `scores` and returns the reason for the items it put first.
    static func fill(_ scores: inout [Float], serving: ServingModel, country: String?) -> [Int: String] {
        let popularityMax = max(serving.popularity.max() ?? 0, 1e-9)
        let trendingMax = max(serving.trending.max() ?? 0, 1e-9)
        var reasons: [Int: String] = [:]
        let trendingTop = Set(TopK.select(serving.trending, k: 50).map(\.item))
        for index in 0..<scores.count {
            let popular = index < serving.popularity.count ? serving.popularity[index] / popularityMax : 0
            let trending = index < serving.trending.count ? serving.trending[index] / trendingMax : 0
            scores[index] = 0.5 * popular + 0.5 * trending
            reasons[index] = trendingTop.contains(index) && trending > popular ? "trending" : "popular"
        }
        if let country, let local = serving.popularByCountry[country.lowercased()] {
            for (rank, item) in local.enumerated() where Int(item) < scores.count {
                scores[Int(item)] = 2 + Float(local.count - rank) / Float(local.count)
                reasons[Int(item)] = "popular in \(country)"
            }
        }
        return reasons
    }
}

/// Before any model is trained: the most interacted-with catalog items.
enum RecommendationFallback {
    static func withoutModel(_ request: RecommendationRequest, database: KindredDatabase) throws -> RecommendationResponse {
        let rows = try database.writer.read { db in try PopularItems.top(limit: request.k, inStockOnly: request.inStockOnly, in: db) }
        return RecommendationResponse(
            items: rows.map {
                Recommendation(
                    itemID: $0.itemID, title: $0.title, category: $0.category, price: $0.price, score: Float($0.people), reason: "popular")
            },
            personalized: false, modelVersion: nil, algorithm: "none")
    }
}
