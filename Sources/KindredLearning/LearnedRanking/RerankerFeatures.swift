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
    /// Per category number, the mean price of its priced items (-1 when none is priced).
    public var categoryMeanPrice: [Float]
    /// The item's share of its category's events in the last 30 days (-1 without either).
    public var shareOfCategory: [Float]
    /// Per item, the share of its last 30 days' events from each `RankingContext.DeviceClass`
    /// (`item * 3 + class`), and from each part of the day (`item * 4 + daypart`); -1 for an
    /// item without events.
    public var deviceShare: [Float]
    public var daypartShare: [Float]

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
        categoryMeanPrice = []
        shareOfCategory = .init(repeating: -1, count: items)
        deviceShare = .init(repeating: -1, count: items * RankingContext.DeviceClass.allCases.count)
        daypartShare = .init(repeating: -1, count: items * 4)
    }

    public var items: Int { popularity.count }
}

/// The features of one candidate for one person, in a fixed order that a stored ranker's
/// trees refer to by number. The same function builds the rows a ranker trains on (a model
/// fitted before a cut, the feature store as of the cut) and the rows it scores when serving
/// (the active model, the feature store now), so that the two cannot drift apart. Features are
/// only ever appended: a ranker stored with the first of them still scores rows of all (its
/// trees read no feature past its own count).
public enum RerankerFeatures {
    public static let names: [String] = [
        "candidate_score", "candidate_rank", "score_to_best", "from_model",
        "item_popularity_30d", "item_trend", "item_conversion_rate", "item_revenue_30d", "item_price_band", "item_age_days",
        "item_price", "category_share_30d",
        "person_history_items", "person_history_weight", "person_category_weight_share", "person_category_items",
        "person_item_weight", "person_price_ratio", "person_mean_price", "person_top_category_match",
        "context_hour", "context_weekday", "context_device", "item_device_share", "item_daypart_share",
        "item_price_to_category_mean", "item_share_of_category_30d", "person_categories", "person_category_rank", "score_gap_to_next",
    ]

    public static var count: Int { names.count }

    /// Whether trees learnt on features named `stored` can score this binary's rows: the names
    /// must be the first of this binary's, in order.
    public static func servesStored(features stored: [String]) -> Bool {
        !stored.isEmpty && stored.count <= count && Array(names.prefix(stored.count)) == stored
    }

    /// What the features need of the person, worked out once per list.
    public struct Person {
        var items: Float
        var weight: Float
        var meanPrice: Float
        var categoryWeight: [Int32: Float]
        var categoryItems: [Int32: Float]
        var topCategory: Int32
        /// Per category the person touched, its place by their weight on it (0 the heaviest).
        var categoryRank: [Int32: Float]
        let history: SparseVector
        let context: RankingContext

        public init(history: SparseVector, facts: RerankerItemFacts, context: RankingContext = .unknown) {
            self.history = history
            self.context = context
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
            let ranked = categoryWeight.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }
            self.topCategory = ranked.first?.key ?? -1
            self.categoryRank = Dictionary(uniqueKeysWithValues: ranked.enumerated().map { ($1.key, Float($0)) })
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
        let context = person.context
        let devices = RankingContext.DeviceClass.allCases.count
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
            rows.append(context.hour.map(Float.init) ?? -1)
            rows.append(context.weekday.map(Float.init) ?? -1)
            rows.append(context.device.map { Float($0.rawValue) } ?? -1)
            rows.append(known ? context.device.map { facts.deviceShare[item * devices + $0.rawValue] } ?? -1 : -1)
            rows.append(known ? context.daypart.map { facts.daypartShare[item * 4 + $0] } ?? -1 : -1)
            let categoryMean = category >= 0 && Int(category) < facts.categoryMeanPrice.count ? facts.categoryMeanPrice[Int(category)] : -1
            rows.append(price >= 0 && categoryMean > 0 ? price / categoryMean : -1)
            rows.append(known ? facts.shareOfCategory[item] : -1)
            rows.append(Float(person.categoryRank.count))
            rows.append(category >= 0 ? person.categoryRank[category] ?? -1 : -1)
            rows.append(rank + 1 < candidates.count ? candidate.score - candidates[rank + 1].score : 0)
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
        let person = RerankerFeatures.Person(history: query.history, facts: facts, context: query.context)
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
