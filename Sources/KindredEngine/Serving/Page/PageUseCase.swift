import Foundation
import KindredLearning
import KindredStore

/// Segment trending lists, held a minute per segment: a page for each member would otherwise
/// scan the week's events of the whole segment.
final class SegmentTrendingCache: @unchecked Sendable {
    static let freshness: Int64 = 60_000
    private let lock = NSLock()
    private var held: [Int64: (items: [Int64], loadedMs: Int64)] = [:]

    func items(segmentPK: Int64, nowMs: Int64, load: () throws -> [Int64]) rethrows -> [Int64] {
        if let entry = lock.withLock({ held[segmentPK] }), nowMs >= entry.loadedMs, nowMs - entry.loadedMs < Self.freshness {
            return entry.items
        }
        let items = try load()
        lock.withLock { held[segmentPK] = (items, nowMs) }
        return items
    }
}

extension Engine {
    /// A page of content blocks for a person: the surface's enabled blocks, ordered by how the
    /// person engaged with each, each filled by its source with items no earlier block showed,
    /// each with its own request id and impression (named by block) for the log. A caller who
    /// may not act for the person named gets a stranger's page, as with recommendations.
    public func pageForDisplay(_ request: PageRequest, caller: Caller = .owner) throws -> (PageResponse, [ImpressionRecord]) {
        var request = request
        if let userID = request.userID, !caller.mayAct(for: userID) {
            guard caller.tokenUserID == nil else { throw RequestProblem.tokenMismatch }
            request.userID = nil
        }
        if request.surface == .product, request.itemID == nil {
            throw RequestProblem(
                .invalid, code: "missing_parameter", message: "a product page needs item (the page's item id)", field: "item")
        }
        let pseudonym = request.userID.map(database.pseudonymizer.pseudonym(of:))
        let now = clock.now()
        let read = try database.writer.read { db -> PageRead in
            let userPK = try pseudonym.flatMap { try ServingQueries.userPK(pseudonym: $0, in: db) }
            let consent = try ServingConsent.read(userPK: userPK, in: db)
            var page = PageRead(
                blocks: try BlockStore.all(in: db).filter { $0.surface == request.surface.rawValue && $0.enabled }, userPK: userPK,
                consent: consent, stated: try userPK.map { try PreferenceStore.of(userPK: $0, in: db) } ?? [])
            if let itemID = request.itemID, try CatalogItemStore.isRemoved(itemID: itemID, in: db) {
                throw RequestProblem(.notFound, code: "unknown_item", message: "unknown item '\(itemID.prefix(80))'", field: "item")
            }
            guard let serving = try servingCache.model(in: db) else { return page }
            page.serving = serving
            let personal = consent.personalization && !(userPK.map(serving.isDropped) ?? true)
            page.personal = personal
            if let userPK, personal {
                let after = ServingPreferences(page.stated, serving: serving).reshapesHistory ? nil : serving.record.dataToMs
                page.newEvents = try EventColumnsReader.read(userPK: userPK, afterMs: after, in: db)
                page.recent = try BlockStore.recentEvents(userPK: userPK, limit: 50, in: db)
            }
            if let userPK, consent.analytics {
                page.engagement = try BlockStore.engagement(userPK: userPK, sinceMs: now - BlockOrder.windowMs, in: db)
                if let segment = try BlockStore.segment(of: userPK, in: db) {
                    page.segment = (
                        segment.name,
                        try segmentTrending.items(segmentPK: segment.pk, nowMs: now) {
                            try BlockStore.trending(segmentPK: segment.pk, nowMs: now, limit: 200, in: db)
                        }
                    )
                }
            }
            return page
        }
        guard let serving = read.serving else {
            throw RequestProblem(.unavailable, code: "no_model", message: "no active model; train one with `kindred train`")
        }
        var anchor: Int?
        if let itemID = request.itemID {
            guard let index = serving.itemIndexByID[itemID] else {
                throw RequestProblem(.notFound, code: "unknown_item", message: "unknown item '\(itemID.prefix(80))'", field: "item")
            }
            anchor = Int(index)
        }
        let loggedUserPK = read.consent.analytics ? read.userPK : nil
        let preferences = ServingPreferences(read.stated, serving: serving)
        let history = UserHistory(
            userPK: read.personal ? read.userPK : nil, newEvents: read.newEvents, serving: serving, preferences: preferences)
        let personalized = !history.vector.isEmpty && !(serving.model is PopularityModel)
        // A running experiment on this page decides its layout for the people in it; otherwise a
        // segment's strategy may lead its members' pages with blocks of its choosing and keep
        // their lists to its categories.
        let choice = try pseudonym.flatMap {
            try experimentChoice(surface: request.surface.rawValue, pseudonym: $0, device: request.device, country: request.country)
        }
        let segment = choice == nil ? try pseudonym.flatMap { try segmentChoice(pseudonym: $0) } : nil
        var recommendation = RecommendationRequest(userID: request.userID, k: 10)
        if let segment { recommendation = segment.strategy.apply(to: recommendation) }
        recommendation.device = request.device
        recommendation.country = request.country
        recommendation.hour = request.hour
        if let itemID = request.itemID { recommendation.excludeItemIDs = [itemID] }
        let knownRow = read.personal ? read.userPK.flatMap { serving.userIndex[$0] }.map(Int.init) : nil
        let settings = try servingSettingsCache.value(nowMs: now) { try database.writer.read { db in try ServingSettings.read(in: db) } }
        let context = BlockContext(
            serving: serving, history: history,
            query: RankingQuery(
                user: history.hasNewEvents ? nil : knownRow, history: history.vector,
                context: RankingContext(request: recommendation, nowMs: now)),
            personalized: personalized,
            filter: ItemFilter(
                request: recommendation, serving: serving, purchased: history.purchased,
                seen: settings.excludesSeen(on: "pages") ? history.seen : [], preferences: preferences,
                rules: try activeRules(
                    userPK: read.userPK, request: recommendation, surface: "page", personalized: personalized, history: history,
                    serving: serving)),
            preferences: preferences, settings: settings, recommendation: recommendation,
            recent: read.recent.compactMap { event in
                guard let index = serving.itemIndex[event.itemPK], let type = EventType(rawValue: event.type) else { return nil }
                return (Int(index), TrainingDataKinds.kind(of: type), event.tsMs)
            },
            segmentName: read.segment?.name, segmentTrending: read.segment?.items.compactMap { serving.itemIndex[$0].map(Int.init) } ?? [],
            anchorItem: anchor, nowMs: now)
        let (ordered, byEngagement) = BlockOrder.ordered(
            read.blocks, engagement: read.engagement, leading: segment?.strategy.blocks ?? [], layout: choice?.strategy.layout)
        // Blocks claim items most specific first (what the person left off, what is like the item
        // in front of them, what is back or new), the general "for you" last, so that an item
        // lands in the block that says most about it; the page then shows them in its order.
        var used = Set<Int>()
        if let anchor { used.insert(anchor) }
        var filled: [String: FilledBlock] = [:]
        for block in ordered.sorted(by: { BlockSources.claimOrder($0.source) < BlockSources.claimOrder($1.source) }) {
            guard let content = BlockSources.fill(block, context: context, used: used) else { continue }
            for item in content.items { if let index = serving.itemIndexByID[item.itemID] { used.insert(Int(index)) } }
            filled[block.key] = content
        }
        var blocks: [PageBlock] = []
        var records: [ImpressionRecord] = []
        for block in ordered {
            guard let content = filled[block.key] else { continue }
            let requestID = Self.newRequestID()
            blocks.append(
                PageBlock(
                    key: block.key, source: block.source, title: content.title, reason: content.reason, requestID: requestID,
                    items: content.items))
            var record = ImpressionRecord(
                requestID: requestID, timestampMs: now, userPK: loggedUserPK, surface: .recommendations, anchorItemID: request.itemID,
                modelVersion: serving.record.version, personalized: personalized,
                items: content.items.map { .init(itemID: $0.itemID, score: $0.score, reason: $0.reason) })
            record.block = block.key
            if let choice, loggedUserPK != nil {
                record.exposure = .init(experimentPK: choice.experimentPK, experiment: choice.experiment, variant: choice.variant)
            }
            record.device = request.device.flatMap(Device.init(loosely:))?.rawValue
            record.country = request.country
            records.append(record)
        }
        let base = byEngagement ? "engagement" : "default"
        let order =
            choice?.strategy.layout.map { _ in "experiment \(choice!.experiment) layout" }
            ?? segment.flatMap { $0.strategy.blocks.isEmpty ? nil : "segment \($0.key), then \(base)" } ?? base
        let response = PageResponse(
            surface: request.surface.rawValue, itemID: request.itemID, personalized: personalized, modelVersion: serving.record.version,
            algorithm: serving.record.algorithm,
            order: order, segment: segment?.key, experiment: loggedUserPK == nil ? nil : choice?.experiment,
            variant: loggedUserPK == nil ? nil : choice?.variant, blocks: blocks)
        return (response, records)
    }
}

/// What a page reads in its one transaction.
private struct PageRead {
    var blocks: [BlockStore.Block]
    var userPK: Int64?
    var consent: ServingConsent
    var stated: [PreferenceStore.Preference]
    var serving: ServingModel?
    var personal = false
    var newEvents: EventColumns?
    var recent: [(itemPK: Int64, type: String, tsMs: Int64)] = []
    var engagement: [String: (shown: Int, engaged: Int)] = [:]
    var segment: (name: String, items: [Int64])?
}
