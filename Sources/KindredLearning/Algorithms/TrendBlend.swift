import Foundation

/// A personalized model with what the shop is selling this week mixed in: each item scores
///
///     base(i) / (the best base score the person can be shown) + weight x trend(i) / max trend
///
/// where trend is recency-weighted activity (`TrainingSet.recentActivity`, a 7-day half-life).
/// A shop whose season moves fast (Online Retail's test month is the Christmas rush) rewards
/// leaning on what is bought now; one whose tastes are stable does not, so the weight is a
/// hyper-parameter the search chooses on validation (0, the default, is the base model alone),
/// and it costs no fit: the same fitted base is scored under each weight.
public struct TrendBlendAlgorithm: RecommenderAlgorithm {
    public var base: any RecommenderAlgorithm
    public var weight: Float

    public init(base: any RecommenderAlgorithm, weight: Float) {
        self.base = base
        self.weight = weight
    }

    public var name: String { base.name }
    public var hyperparameters: [String: Double] {
        base.hyperparameters.merging(["trend_weight": Double(decimal: weight)]) { _, new in new }
    }
    public var sequenceGrouping: SequenceGrouping? { base.sequenceGrouping }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        TrendBlendModel(base: base.fit(data), trending: data.recentActivity, weight: weight)
    }
}

/// A fitted base model and the trend it is blended with (see `TrendBlendAlgorithm`).
///
/// Item likeness, explanations and stored weights are the base model's: the blend changes which
/// items a person is offered, not what the model learnt.
public struct TrendBlendModel: CandidateRanking, SubsetScoring, ExplainableModel {
    public let base: any RecommenderModel
    public let trending: [Float]
    public let weight: Float
    /// Items by descending trend, ties to the lower index: where trending candidates come from.
    let trendOrder: [Int32]
    /// The largest trend (at least a tiny positive number): the trend's scale.
    let largestTrend: Float
    /// weight / largest trend: what one unit of trend adds.
    var trendScale: Float { weight / largestTrend }
    /// Where the base's candidates come from: the base itself, or, while one fit is scored
    /// under several weights, a `RememberedCandidates` over it that its reweighted copies share.
    let proposer: (any CandidateRanking)?

    public init(base: any RecommenderModel, trending: [Float], weight: Float) {
        self.base = base
        proposer = base as? any CandidateRanking
        self.weight = weight
        var trend = [Float](repeating: 0, count: base.itemCount)
        for index in 0..<min(trending.count, trend.count) { trend[index] = max(0, trending[index]) }
        self.trending = trend
        largestTrend = max(trend.max() ?? 0, 1e-12)
        trendOrder = trend.indices.filter { trend[$0] > 0 }.sorted { trend[$0] > trend[$1] || (trend[$0] == trend[$1] && $0 < $1) }
            .map { Int32($0) }
    }

    private init(
        base: any RecommenderModel, proposer: (any CandidateRanking)?, trending: [Float], weight: Float, trendOrder: [Int32],
        largestTrend: Float
    ) {
        self.base = base
        self.proposer = proposer
        self.trending = trending
        self.weight = weight
        self.trendOrder = trendOrder
        self.largestTrend = largestTrend
    }

    /// The same base and trend under another weight, without sorting the catalog by trend
    /// again: the search scores each fit under several weights.
    public func reweighted(_ weight: Float) -> TrendBlendModel {
        TrendBlendModel(
            base: base, proposer: proposer, trending: trending, weight: weight, trendOrder: trendOrder, largestTrend: largestTrend)
    }

    /// The same blend with the base's candidates remembered per person, for its reweighted
    /// copies to share: one fit scored under several weights asks the base once per person
    /// and pool. Only for scoring fixed cases (each person's allowed items the same on every
    /// call), never for serving.
    public func rememberingCandidates() -> TrendBlendModel {
        TrendBlendModel(
            base: base, proposer: proposer.map { RememberedCandidates(base: $0) }, trending: trending, weight: weight,
            trendOrder: trendOrder, largestTrend: largestTrend)
    }

    public var itemCount: Int { base.itemCount }

    /// The blend with the base scaled by its largest score over every item (no items are left
    /// out here); `top` scales by the largest over the items the person may be shown.
    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        base.score(user: user, history: history, into: &scores)
        let best = scores.max() ?? 0
        let scale: Float = best > 0 ? 1 / best : 0
        for index in scores.indices { scores[index] = scores[index] * scale + trending[index] * trendScale }
    }

    /// The top items by the blend. A base that ranks its own candidates (the factor models'
    /// int8 scan) proposes its best `pool` allowed items and the `pool` most trending allowed
    /// items it did not propose join them; those are scored exactly where the base scores
    /// subsets (factor models do), otherwise given the base's lowest proposed score, an upper
    /// bound on their own. Any other allowed item blends to at most that lowest base score plus
    /// the last joiner's trend (the threshold of Fagin's algorithm): when the `count`-th
    /// candidate reaches it, the list is exactly what blending every item gives. The pool starts
    /// at `count` and grows four-fold, at most twice, until it does. Other bases score every
    /// item, and their blend is exact.
    ///
    /// As with `ModelCandidates`, a neighbour model's items without evidence and without trend
    /// (blend 0) are left for a later source to fill.
    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        guard count > 0 else { return [] }
        guard let ranking = proposer else {
            var scores = ScratchPool.shared.takeZeroed(count: itemCount)
            defer { ScratchPool.shared.give(scores) }
            base.score(user: user, history: history, into: &scores)
            let best = scores.withUnsafeBufferPointer { TopK.select($0, k: 1, where: keep) }.first?.score ?? 0
            let scale: Float = best > 0 ? 1 / best : 0
            for index in scores.indices { scores[index] = scores[index] * scale + trending[index] * trendScale }
            return scores.withUnsafeBufferPointer { TopK.select($0, k: count, where: keep) }.filter { $0.score > 0 }
        }
        var pool = count
        while true {
            let (items, exact) = blendOfPools(ranking, pool: pool, user: user, history: history, count: count, keep: keep)
            if exact || pool >= count * Self.largestPoolMultiple || pool >= itemCount { return items }
            pool *= 4
        }
    }

    /// The pool grows to at most this many times the count (two four-fold steps).
    static let largestPoolMultiple = 16

    /// The blend of the base's best `pool` and as many trending items, and whether it is exact.
    func blendOfPools(
        _ ranking: any CandidateRanking, pool: Int, user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool
    ) -> (items: [ScoredItem], exact: Bool) {
        let proposed = ranking.top(user: user, history: history, count: pool, keep: keep)
        let best = proposed.first?.score ?? 0
        let scale: Float = best > 0 ? 1 / best : 0
        var heap = TopKHeap(k: count)
        var offered = Set<Int>(minimumCapacity: proposed.count * 2)
        for candidate in proposed {
            offered.insert(candidate.item)
            heap.offer(candidate.item, score: candidate.score * scale + trending[candidate.item] * trendScale) { _ in true }
        }
        var rising: [Int] = []
        for item in trendOrder where rising.count < pool && !offered.contains(Int(item)) && keep(Int(item)) {
            rising.append(Int(item))
        }
        let floor = proposed.last?.score ?? 0
        let exactScores = (base as? any SubsetScoring)?.scores(of: rising, user: user, history: history)
        for (place, item) in rising.enumerated() {
            heap.offer(item, score: (exactScores?[place] ?? floor) * scale + trending[item] * trendScale) { _ in true }
        }
        let items = heap.sorted()
        // Fewer proposals than asked: the base has no other allowed item.
        if proposed.count < pool { return (items, true) }
        // Items outside both lists have at most the floor and at most the last joiner's trend
        // (none when the trending items ran out first).
        let trendBound = rising.count < pool ? 0 : trending[rising.last!]
        let bound = floor * scale + trendBound * trendScale
        return (items, items.count == count && items.last!.score >= bound)
    }

    /// A subset's blend, the base scaled by its largest score within the subset.
    public func scores(of items: [Int], user: Int?, history: SparseVector) -> [Float] {
        let baseScores = base.exactScores(of: items, user: user, history: history)
        let best = baseScores.max() ?? 0
        let scale: Float = best > 0 ? 1 / best : 0
        return zip(items, baseScores).map { item, score in score * scale + trending[item] * trendScale }
    }

    public func similarItems(to item: Int, count: Int) -> [ScoredItem] { base.similarItems(to: item, count: count) }

    public func explain(item: Int, history: SparseVector) -> Int? {
        (base as? any ExplainableModel)?.explain(item: item, history: history)
    }
}

/// A candidate ranking that remembers each known person's candidates per count (see
/// `TrendBlendModel.rememberingCandidates`). It assumes what `keep` allows for a person is the
/// same on every call, which holds for an evaluation's cases and not for serving.
final class RememberedCandidates: CandidateRanking, @unchecked Sendable {
    let base: any CandidateRanking
    private struct Key: Hashable {
        let user: Int
        let count: Int
    }
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var lists: [Key: [ScoredItem]] = [:]

    init(base: any CandidateRanking) {
        self.base = base
    }

    var itemCount: Int { base.itemCount }

    func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        guard let user else { return base.top(user: user, history: history, count: count, keep: keep) }
        let key = Key(user: user, count: count)
        if let known = lock.withLock({ lists[key] }) { return known }
        let list = base.top(user: user, history: history, count: count, keep: keep)
        lock.withLock { lists[key] = list }
        return list
    }

    func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        base.score(user: user, history: history, into: &scores)
    }

    func similarItems(to item: Int, count: Int) -> [ScoredItem] { base.similarItems(to: item, count: count) }
}
