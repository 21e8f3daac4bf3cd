/// What a learned ranker knows of each item besides its candidate score, dense over the
/// model's items: the feature store's item features as of a moment (popularity, trend,
/// conversion, revenue, price band, age) and the catalog's price and category. Missing values
/// are -1 (a trend without a week before, a conversion rate without views, an unknown price),
/// which trees split apart from real values.
public struct RerankerItemFacts: Sendable {
    public var popularity: [Float]
    public var trend: [Float]
    public var conversionRate: [Float]
    public var revenue: [Float]
    public var priceBand: [Float]
    public var ageDays: [Float]
    public var price: [Float]
    /// Category number per item (-1 for none).
    public var category: [Int32]
    /// Per category number, its share of the last 30 days' events.
    public var categoryShare: [Float]

    public init(items: Int) {
        popularity = .init(repeating: 0, count: items)
        trend = .init(repeating: -1, count: items)
        conversionRate = .init(repeating: -1, count: items)
        revenue = .init(repeating: 0, count: items)
        priceBand = .init(repeating: -1, count: items)
        ageDays = .init(repeating: -1, count: items)
        price = .init(repeating: -1, count: items)
        category = .init(repeating: -1, count: items)
        categoryShare = []
    }

    public var items: Int { popularity.count }
}

/// The features of one candidate for one person, in a fixed order that a stored ranker's
/// trees refer to by number. The same function builds the rows a ranker trains on (a model
/// fitted before a cut, the feature store as of the cut) and the rows it scores when serving
/// (the active model, the feature store now), so that the two cannot drift apart.
public enum RerankerFeatures {
    public static let names: [String] = [
        "candidate_score", "candidate_rank", "score_to_best", "from_model",
        "item_popularity_30d", "item_trend", "item_conversion_rate", "item_revenue_30d", "item_price_band", "item_age_days",
        "item_price", "category_share_30d",
        "person_history_items", "person_history_weight", "person_category_weight_share", "person_category_items",
        "person_item_weight", "person_price_ratio", "person_mean_price", "person_top_category_match",
    ]

    public static var count: Int { names.count }

    /// What the features need of the person, worked out once per list.
    public struct Person {
        var items: Float
        var weight: Float
        var meanPrice: Float
        var categoryWeight: [Int32: Float]
        var categoryItems: [Int32: Float]
        var topCategory: Int32
        let history: SparseVector

        public init(history: SparseVector, facts: RerankerItemFacts) {
            self.history = history
            var weight: Float = 0
            var priced: Float = 0
            var priceSum: Float = 0
            var categoryWeight: [Int32: Float] = [:]
            var categoryItems: [Int32: Float] = [:]
            for (item, value) in zip(history.indices, history.values) where Int(item) < facts.items {
                weight += value
                let price = facts.price[Int(item)]
                if price >= 0 {
                    priced += value
                    priceSum += value * price
                }
                let category = facts.category[Int(item)]
                if category >= 0 {
                    categoryWeight[category, default: 0] += value
                    categoryItems[category, default: 0] += 1
                }
            }
            self.items = Float(history.indices.count)
            self.weight = weight
            self.meanPrice = priced > 0 ? priceSum / priced : -1
            self.categoryWeight = categoryWeight
            self.categoryItems = categoryItems
            self.topCategory = categoryWeight.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? -1
        }

        /// The person's weight on one item (0 when they have not touched it).
        func weight(of item: Int) -> Float {
            var low = 0
            var high = history.indices.count
            while low < high {
                let middle = (low + high) / 2
                if Int(history.indices[middle]) < item { low = middle + 1 } else { high = middle }
            }
            return low < history.indices.count && Int(history.indices[low]) == item ? history.values[low] : 0
        }
    }

    /// Appends one row per candidate, in the candidates' order, to `rows`.
    public static func append(
        _ candidates: [RankedItem], person: Person, facts: RerankerItemFacts, modelSource: String = "model", to rows: inout [Float]
    ) {
        let best = candidates.first.map { max($0.score, 1e-12) } ?? 1
        for (rank, candidate) in candidates.enumerated() {
            let item = candidate.item
            let known = item < facts.items
            let category = known ? facts.category[item] : -1
            let price = known ? facts.price[item] : -1
            rows.append(candidate.score)
            rows.append(Float(rank))
            rows.append(candidate.score / best)
            rows.append(candidate.source == modelSource ? 1 : 0)
            rows.append(known ? facts.popularity[item] : 0)
            rows.append(known ? facts.trend[item] : -1)
            rows.append(known ? facts.conversionRate[item] : -1)
            rows.append(known ? facts.revenue[item] : 0)
            rows.append(known ? facts.priceBand[item] : -1)
            rows.append(known ? facts.ageDays[item] : -1)
            rows.append(price)
            rows.append(category >= 0 && Int(category) < facts.categoryShare.count ? facts.categoryShare[Int(category)] : 0)
            rows.append(person.items)
            rows.append(person.weight)
            rows.append(category >= 0 && person.weight > 0 ? (person.categoryWeight[category] ?? 0) / person.weight : 0)
            rows.append(category >= 0 ? person.categoryItems[category] ?? 0 : 0)
            rows.append(person.weight(of: item))
            rows.append(price >= 0 && person.meanPrice > 0 ? price / person.meanPrice : -1)
            rows.append(person.meanPrice)
            rows.append(category >= 0 && category == person.topCategory ? 1 : 0)
        }
    }
}

/// The learned re-ranking stage: scores the top `candidates` with a LambdaMART model over
/// `RerankerFeatures` and orders them by it; the score it reports is the model's.
public struct LearnedReranker: Reranker {
    public let model: LambdaMARTModel
    public let facts: RerankerItemFacts
    public let candidates: Int
    public var name: String { "learned_ranker" }

    public init(model: LambdaMARTModel, facts: RerankerItemFacts, candidates: Int = 200) {
        self.model = model
        self.facts = facts
        self.candidates = candidates
    }

    public func poolSize(for count: Int) -> Int { max(candidates, count) }

    public func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        rerank(candidates, count: count, for: RankingQuery(user: nil, history: SparseVector()))
    }

    public func rerank(_ candidates: [RankedItem], count: Int, for query: RankingQuery) -> [RankedItem] {
        guard candidates.count > 1 else { return candidates }
        let person = RerankerFeatures.Person(history: query.history, facts: facts)
        var rows: [Float] = []
        rows.reserveCapacity(candidates.count * RerankerFeatures.count)
        RerankerFeatures.append(candidates, person: person, facts: facts, to: &rows)
        let width = RerankerFeatures.count
        let scores: [Double] = rows.withUnsafeBufferPointer { all in
            (0..<candidates.count).map { row in model.score(UnsafeBufferPointer(rebasing: all[(row * width)..<((row + 1) * width)])) }
        }
        let order = candidates.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.map { RankedItem(item: candidates[$0].item, score: Float(scores[$0]), source: candidates[$0].source) }
    }
}
