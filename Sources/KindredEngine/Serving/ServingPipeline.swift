import KindredLearning

/// The stages one recommendation list goes through, configured from the request, the shop's
/// settings and what is known of the person: retrieval from the model (when the person has a
/// history it can use) and from the non-personalized ranking of their context (alone, or as the
/// backfill of places the model has no evidence for), the request's filter applied inside
/// every source, then the caps and the diversity trade-off.
///
/// The same value serves `kindred recommend`, the API and its stream; the evaluator runs the
/// model-and-rerankers part of it (`ServingPipeline.rerankers`) on held-out people.
struct ServingPipeline {
    let pipeline: RankingPipeline
    let query: RankingQuery

    init(
        request: RecommendationRequest, serving: ServingModel, query: RankingQuery, personalized: Bool, settings: ServingSettings,
        preferences: ServingPreferences, filter: ItemFilter, trace: RuleTrace? = nil
    ) {
        let context = NonPersonalizedCandidates(serving: serving, request: request, reportedScore: personalized ? 0 : nil)
        let sources: [any CandidateSource] = personalized ? [ModelCandidates(model: serving.model), context] : [context]
        let rules = filter.rules
        // A cap rule tightens the list's cap; it never loosens it.
        func tightest(_ a: Int, _ b: Int?) -> Int { b.map { a > 0 ? min(a, $0) : $0 } ?? a }
        let chosen = ServingSettings(
            diversity: request.diversity ?? settings.diversity,
            maxPerCategory: tightest(request.maxPerCategory ?? settings.maxPerCategory, rules?.categoryCap?.limit),
            maxPerBrand: tightest(request.maxPerBrand ?? settings.maxPerBrand, rules?.brandCap?.limit),
            longTailShare: settings.longTailShare)
        var rerankers: [any Reranker] = []
        // The learned ranker reorders the model's candidates first: every later stage (likes,
        // rule boosts, caps, diversity, pins) works on its order, as it would on the model's.
        if personalized, settings.learnedRanker, let ranker = serving.ranker { rerankers.append(ranker) }
        // "More like this" and the boosts first, so that the caps and the diversity trade-off see
        // the lifted order; pins last, at their positions in the final list.
        if preferences.hasLikes { rerankers.append(PreferenceLift(preferences: preferences, serving: serving)) }
        if let rules, !rules.rankers.isEmpty { rerankers.append(RuleRanking(rules: rules, serving: serving, trace: trace)) }
        rerankers += Self.rerankers(
            settings: chosen,
            groups: ItemGroups(categories: serving.itemCategory, brands: serving.itemBrand, longTail: serving.itemLongTail),
            similarity: serving.similarity)
        if let rules, !rules.pins.isEmpty { rerankers.append(RulePins(rules: rules, serving: serving, filter: filter, trace: trace)) }
        pipeline = RankingPipeline(sources: sources, rerankers: rerankers)
        self.query = query
    }

    func run(count: Int, filter: ItemFilter) -> [RankedItem] {
        pipeline.run(query, count: count, keep: filter.allows)
    }

    /// The explanation stage: why an item is in the list, in the person's words, from the
    /// source that proposed it.
    static func explained(
        _ ranked: [RankedItem], history: UserHistory, serving: ServingModel, request: RecommendationRequest
    ) -> [Recommendation] {
        ranked.map { item in
            let reason =
                switch item.source {
                case "model": history.reason(for: item.item, model: serving.model, serving: serving)
                case "more_like_this": "more like what you asked for"
                default: NonPersonalizedRanking.reason(for: item.item, serving: serving, request: request)
                }
            return serving.recommendation(item: item.item, score: item.score, reason: reason)
        }
    }

    /// The re-ranking stage: caps first, on the whole pool (so that a capped item's place goes
    /// to the next allowed one), then maximal marginal relevance over what the caps kept, then
    /// the long-tail quota.
    static func rerankers(settings: ServingSettings, groups: ItemGroups, similarity: any ItemSimilarity) -> [any Reranker] {
        var stages: [any Reranker] = []
        if settings.maxPerCategory > 0 {
            stages.append(GroupCap(name: "category_cap", limit: settings.maxPerCategory, groups: groups.categories))
        }
        if settings.maxPerBrand > 0 { stages.append(GroupCap(name: "brand_cap", limit: settings.maxPerBrand, groups: groups.brands)) }
        if settings.diversity < 1 { stages.append(MaximalMarginalRelevance(lambda: Float(settings.diversity), similarity: similarity)) }
        if settings.longTailShare > 0, !groups.longTail.isEmpty {
            stages.append(LongTailQuota(share: settings.longTailShare, isTail: groups.longTail))
        }
        return stages
    }
}

/// The non-personalized ranking of a request's context as a candidate source: what strangers
/// get, and what fills the places a neighbour model has no evidence for.
struct NonPersonalizedCandidates: CandidateSource {
    let serving: ServingModel
    let request: RecommendationRequest
    let reportedScore: Float?
    var name: String { "context" }

    func candidates(for query: RankingQuery, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        var scores = [Float]()
        NonPersonalizedRanking.fill(&scores, serving: serving, request: request)
        return ScoreCandidates(name: name, scores: scores, reportedScore: reportedScore).candidates(for: query, count: count, keep: keep)
    }
}
