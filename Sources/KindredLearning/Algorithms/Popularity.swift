/// Non-personalized rankings: the baseline every personalized model must beat, and the answer
/// for people the models know nothing about.
public struct PopularityAlgorithm: RecommenderAlgorithm {
    public enum Kind: String, Sendable {
        /// Distinct users who interacted with the item.
        case distinctUsers = "popularity"
        /// Recency-weighted activity (`TrainingSet.recentActivity`).
        case trending = "trending"
    }

    public let kind: Kind

    public init(kind: Kind = .distinctUsers) {
        self.kind = kind
    }

    public var name: String { kind.rawValue }
    public var hyperparameters: [String: Double] { [:] }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        switch kind {
        case .distinctUsers:
            var counts = [Float](repeating: 0, count: data.items)
            for column in data.interactions.columnIndices { counts[Int(column)] += 1 }
            return PopularityModel(popularity: counts)
        case .trending:
            return PopularityModel(popularity: data.recentActivity)
        }
    }
}

public struct PopularityModel: RecommenderModel {
    public let popularity: [Float]

    public init(popularity: [Float]) {
        self.popularity = popularity
    }

    public var itemCount: Int { popularity.count }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        scores = popularity
    }

    /// Without any notion of similarity, the most popular other items.
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        TopK.select(popularity, k: count) { $0 != item }
    }
}
