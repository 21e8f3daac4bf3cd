import Foundation
import KindredLearning
import KindredStore

/// What every block of one page draws on, read once per page: the model, the person's history
/// and recent events, their preferences and filter, their segment's trending items.
struct BlockContext {
    let serving: ServingModel
    let history: UserHistory
    let query: RankingQuery
    let personalized: Bool
    let filter: ItemFilter
    let preferences: ServingPreferences
    let settings: ServingSettings
    let recommendation: RecommendationRequest
    /// Newest first, on model item numbers.
    let recent: [(item: Int, kind: InteractionKind, tsMs: Int64)]
    let segmentName: String?
    let segmentTrending: [Int]
    let anchorItem: Int?
    let nowMs: Int64

    static let newArrivalDays: Int64 = 30
    static let restockDays: Int64 = 14
    static let continueDays: Int64 = 14
}

/// A block's content before it is named by a request id.
struct FilledBlock {
    var title: String
    var reason: String
    var items: [Recommendation]
}

/// The block sources: each fills at most `block.size` items that the page has not shown yet,
/// through the person's filter (stock, what they bought, what they are not interested in) and
/// the block's own category rule. Nil when the source has nothing for this person, and the
/// page leaves the block out.
enum BlockSources {
    /// Which source claims items first when several could show the same one.
    static func claimOrder(_ source: String) -> Int {
        ["continue", "bought_together", "similar", "because_you_viewed", "back_in_stock", "new_arrivals", "trending_in_segment", "for_you"]
            .firstIndex(of: source) ?? 99
    }

    static func fill(_ block: BlockStore.Block, context c: BlockContext, used: Set<Int>) -> FilledBlock? {
        let categoryRule = block.category?.lowercased()
        // "Continue" shows what the person looked at by design: "exclude seen" does not apply.
        let keep: (Int) -> Bool = { item in
            guard !used.contains(item), c.filter.allows(item, evenIfSeen: block.source == "continue") else { return false }
            guard let categoryRule else { return true }
            let number = c.serving.itemCategory[item]
            return number >= 0 && ItemFilter.category(c.serving.categoryNames[Int(number)], isWithin: categoryRule)
        }
        let size = block.size
        func named(_ item: Int) -> String {
            c.serving.catalogRow[item].flatMap { c.serving.catalog.titles[$0] ?? c.serving.catalog.itemIDs[$0] } ?? "an item"
        }
        func shown(_ items: [ScoredItem], reason: (Int) -> String) -> [Recommendation] {
            items.map { c.serving.recommendation(item: $0.item, score: $0.score, reason: reason($0.item)) }
        }
        switch block.source {
        case "for_you":
            let pipeline = ServingPipeline(
                request: c.recommendation, serving: c.serving, query: c.query, personalized: c.personalized, settings: c.settings,
                preferences: c.preferences, filter: c.filter)
            let ranked = pipeline.pipeline.run(c.query, count: size, keep: keep)
            guard !ranked.isEmpty else { return nil }
            let items = ServingPipeline.explained(ranked, history: c.history, serving: c.serving, request: c.recommendation)
            return FilledBlock(
                title: block.title, reason: c.personalized ? "picked for you from what you did" : "popular picks", items: items)

        case "because_you_viewed":
            guard let anchor = c.recent.first(where: { $0.kind != .purchase && $0.kind != .return })?.item else { return nil }
            return similarBlock(block, to: anchor, reason: "because you viewed", context: c, keep: keep)

        case "continue":
            let since = c.nowMs - BlockContext.continueDays * 86_400_000
            var seen = Set<Int>()
            var picked: [ScoredItem] = []
            for event in c.recent where event.tsMs >= since && picked.count < size {
                guard [.view, .click, .dwell, .scroll, .addToCart].contains(event.kind), seen.insert(event.item).inserted,
                    keep(event.item)
                else { continue }
                picked.append(ScoredItem(item: event.item, score: 0))
            }
            guard !picked.isEmpty else { return nil }
            let carted = Set(c.recent.filter { $0.kind == .addToCart }.map(\.item))
            return FilledBlock(
                title: block.title, reason: "what you looked at lately and did not buy",
                items: shown(picked) { carted.contains($0) ? "still in your cart" : "you looked at this recently" })

        case "trending_in_segment":
            let list = c.segmentTrending.isEmpty ? c.serving.trendingTop : c.segmentTrending
            let picked = list.filter(keep).prefix(size).map { ScoredItem(item: $0, score: 0) }
            guard !picked.isEmpty else { return nil }
            let who = c.segmentName ?? "everyone"
            return FilledBlock(
                title: c.segmentName == nil ? "Trending now" : block.title.replacingOccurrences(of: "{segment}", with: who),
                reason: c.segmentName == nil ? "what the whole shop took up this week" : "what \(who) took up this week",
                items: shown(Array(picked)) { _ in c.segmentName == nil ? "trending this week" : "trending with \(who)" })

        case "new_arrivals":
            // The first catalog import is the shop's opening stock, not arrivals: an item arrived
            // when it was listed a day or more after the first listing, within the window.
            let since = max(c.nowMs - BlockContext.newArrivalDays * 86_400_000, c.serving.openingListedMs + 86_400_000)
            let arrivals = c.serving.listedNewestFirst.prefix { c.serving.itemListedMs[$0] >= since }.filter(keep)
            guard !arrivals.isEmpty else { return nil }
            // Ranked for the person where the model knows them, newest first otherwise.
            let picked =
                c.personalized
                ? SubsetCandidates(model: c.serving.model, items: arrivals).candidates(for: c.query, count: size) { _ in true }
                : arrivals.prefix(size).map { ScoredItem(item: $0, score: 0) }
            return FilledBlock(
                title: block.title, reason: "listed in the last \(BlockContext.newArrivalDays) days",
                items: shown(picked) { _ in "new in the shop" })

        case "back_in_stock":
            let since = c.nowMs - BlockContext.restockDays * 86_400_000
            let restocked = c.serving.restockedNewestFirst.prefix { c.serving.itemRestockedMs[$0] >= since }.filter(keep)
            guard !restocked.isEmpty else { return nil }
            // What the person was interested in first, then by the shop's popularity blend.
            let theirs = Set(c.history.vector.indices.map(Int.init))
            var heap = TopKHeap(k: size)
            for item in restocked {
                heap.offer(item, score: (theirs.contains(item) ? 2 : 0) + c.serving.nonPersonalizedBase[item]) { _ in true }
            }
            let picked = heap.sorted()
            return FilledBlock(
                title: block.title, reason: "restocked in the last \(BlockContext.restockDays) days",
                items: shown(picked) { theirs.contains($0) ? "back in stock, and you were interested" : "back in stock" })

        case "bought_together":
            guard let anchor = c.anchorItem else { return nil }
            var counts: [Int: Float] = [:]
            for buyer in c.serving.buyers.row(anchor).columns {
                for other in c.serving.purchases.row(Int(buyer)).columns where Int(other) != anchor { counts[Int(other), default: 0] += 1 }
            }
            var heap = TopKHeap(k: size)
            for (item, count) in counts { heap.offer(item, score: count) { keep($0) } }
            let picked = heap.sorted()
            guard !picked.isEmpty else { return nil }
            let name = named(anchor)
            return FilledBlock(
                title: block.title.replacingOccurrences(of: "{item}", with: name), reason: "bought by people who bought \(name)",
                items: shown(picked) { _ in "often bought with \(name)" })

        case "similar":
            guard let anchor = c.anchorItem else { return nil }
            return similarBlock(block, to: anchor, reason: "similar to", context: c, keep: keep)

        default:
            return nil
        }
    }

    /// Items the model finds like `anchor`, titled and explained by it.
    static func similarBlock(
        _ block: BlockStore.Block, to anchor: Int, reason: String, context c: BlockContext, keep: (Int) -> Bool
    ) -> FilledBlock? {
        let similar = c.serving.similarItems(to: anchor, count: block.size * 3 + 10).filter { keep($0.item) && $0.item != anchor }
        guard !similar.isEmpty else { return nil }
        let name = c.serving.catalogRow[anchor].flatMap { c.serving.catalog.titles[$0] ?? c.serving.catalog.itemIDs[$0] } ?? "an item"
        return FilledBlock(
            title: block.title.replacingOccurrences(of: "{item}", with: name), reason: "\(reason) \(name)",
            items: similar.prefix(block.size).map { c.serving.recommendation(item: $0.item, score: $0.score, reason: "similar to \(name)") }
        )
    }
}
