/// The request-independent part of the non-personalized ranking, from training data alone:
/// half all-time popularity (distinct people) and half trending (recency-weighted activity),
/// each scaled to its maximum. Serving lifts it by the request's context; the evaluator uses it
/// as serving's backfill, so that both fill a neighbour model's empty places alike.
public enum PopularityBlend {
    /// An item is "trending" when it is among the 50 most trending and more trending than popular.
    public static let trendingLeaders = 50

    public static func base(popularity: [Float], trending: [Float], count: Int) -> (scores: [Float], isTrending: [Bool]) {
        let popularityMax = max(popularity.max() ?? 0, 1e-9)
        let trendingMax = max(trending.max() ?? 0, 1e-9)
        let trendingTop = Set(TopK.select(trending, k: trendingLeaders).map(\.item))
        var scores = [Float](repeating: 0, count: count)
        var isTrending = [Bool](repeating: false, count: count)
        for index in 0..<count {
            let popular = index < popularity.count ? popularity[index] / popularityMax : 0
            let recent = index < trending.count ? trending[index] / trendingMax : 0
            scores[index] = 0.5 * popular + 0.5 * recent
            isTrending[index] = trendingTop.contains(index) && recent > popular
        }
        return (scores, isTrending)
    }

    /// The blend for a training set: what a model trained on it would back-fill with.
    public static func scores(for data: TrainingSet) -> [Float] {
        var people = [Float](repeating: 0, count: data.items)
        for column in data.interactions.columnIndices { people[Int(column)] += 1 }
        return base(popularity: people, trending: data.recentActivity, count: data.items).scores
    }
}
