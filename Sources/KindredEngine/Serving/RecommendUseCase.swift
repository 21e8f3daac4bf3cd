import Foundation
import KindredLearning
import KindredStore

/// A recommendation request: who, how many, which items are allowed, and the context.
public struct RecommendationRequest: Sendable {
    /// How many items any ranking may be asked for: recommendations and similar items, from
    /// the command line and over HTTP alike.
    public static let kRange = 1...1000

    /// The one check of `k`, so that every face refuses the same values with the same words.
    public static func check(k: Int) throws(RequestProblem) {
        guard kRange.contains(k) else {
            throw RequestProblem(
                .invalid, code: "invalid_parameter",
                message: "k must be a whole number from \(kRange.lowerBound) to \(kRange.upperBound), not \(k)", field: "k")
        }
    }

    /// The shop's id for the person; nil or unknown gets the non-personalized ranking.
    public var userID: String?
    public var k = 10
    /// Only items in these categories (or below them: "home" includes "home/kitchen").
    public var includeCategories: [String] = []
    public var excludeCategories: [String] = []
    public var minPrice: Double?
    public var maxPrice: Double?
    public var inStockOnly = true
    public var excludeItemIDs: [String] = []
    /// Leave out what the person already bought (on for discovery slots).
    public var excludePurchased = true
    /// Leave out everything the person has seen (viewed, clicked, carted, rated or bought);
    /// nil follows the surface's `serving.exclude_seen.<surface>` setting.
    public var excludeSeen: Bool?
    /// Context: for people the models do not know, what is popular in their country, on
    /// their device class and at their time of day leads the ranking.
    public var device: String?
    public var country: String?
    /// The region within the country (state, county), as the shop's events name it: a context
    /// slot of the surface's bandit.
    public var region: String?
    public var hour: Int?
    /// Re-ranking for this list, over the shop's settings: the diversity trade-off (1 ranks by
    /// relevance alone) and the most items one category or brand may hold (0: no cap).
    public var diversity: Double?
    public var maxPerCategory: Int?
    public var maxPerBrand: Int?

    /// The one check of the re-ranking fields, shared by the command line and the API.
    public static func check(diversity: Double?, maxPerCategory: Int?, maxPerBrand: Int?) throws(RequestProblem) {
        if let diversity, !(0...1).contains(diversity) {
            throw RequestProblem(
                .invalid, code: "invalid_parameter", message: "diversity must be from 0 to 1, not \(diversity)", field: "diversity")
        }
        for (field, cap) in [("max_per_category", maxPerCategory), ("max_per_brand", maxPerBrand)] {
            if let cap, !(0...1000).contains(cap) {
                throw RequestProblem(
                    .invalid, code: "invalid_parameter", message: "\(field) must be a whole number from 0 to 1000, not \(cap)",
                    field: field)
            }
        }
    }

    /// Every check of a request's fields.
    public func check() throws(RequestProblem) {
        try Self.check(k: k)
        try Self.check(diversity: diversity, maxPerCategory: maxPerCategory, maxPerBrand: maxPerBrand)
    }

    public init(userID: String? = nil, k: Int = 10) {
        self.userID = userID
        self.k = k
    }
}

/// One recommended item.
public struct Recommendation: Sendable, Codable, Equatable {
    public var itemID: String
    public var title: String?
    public var category: String?
    public var price: Double?
    public var score: Float
    public var reason: String
    /// Set only when the list explores: whether the uniform draw placed this item, and the
    /// probability the policy gave it in its position.
    public var explored: Bool?
    public var probability: Double?
}

public struct RecommendationResponse: Sendable, Codable, Equatable {
    /// Names this response in the impression log; events that follow it carry it back.
    public var requestID: String?
    public var items: [Recommendation]
    /// Whether the ranking used what this person did.
    public var personalized: Bool
    public var modelVersion: Int64?
    public var algorithm: String
    /// The experiment and variant that decided this response, when one did.
    public var experiment: String?
    public var variant: String?
    /// The segment whose strategy shaped this response, when one did.
    public var segment: String?
    /// How the list explored, for the impression log (not part of the response body).
    var exploration: ExplorationTrace?

    enum CodingKeys: String, CodingKey {
        case requestID, items, personalized, modelVersion, algorithm, experiment, variant, segment
    }
}

extension Engine {
    /// Ranks items for a person. Unknown and anonymous people get the non-personalized
    /// ranking (popular in their country, trending, popular), never an error. A person whose
    /// events arrived after training is folded in from their current history.
    public func recommend(_ request: RecommendationRequest) throws -> RecommendationResponse {
        try request.check()
        return try recommend(request, userPK: nil, pseudonym: request.userID.map(database.pseudonymizer.pseudonym(of:))).response
    }

    /// The query once the person is known by profile key or pseudonym (or is nobody); also
    /// returns the profile to log the impressions under (nil when the person may not be
    /// processed for analytics).
    func recommend(
        _ request: RecommendationRequest, userPK knownPK: Int64?, pseudonym: String? = nil, version: Int64? = nil,
        withoutRules: Bool = false, trace: RuleTrace? = nil, ruleSurface: String = "recommendations", exploreSeed: UInt64? = nil,
        exploration strategy: ServingStrategy? = nil
    ) throws -> (
        response: RecommendationResponse, loggedUserPK: Int64?
    ) {
        // One read transaction: who the person is, their consent, the active model (cached)
        // and the events newer than it; the rest of their history is in the model's memory.
        let (loaded, newEvents, consent, resolvedPK, stated) = try database.writer.read {
            db -> (ServingModel?, EventColumns?, ServingConsent, Int64?, [PreferenceStore.Preference]) in
            let userPK = try knownPK ?? pseudonym.flatMap { try ServingQueries.userPK(pseudonym: $0, in: db) }
            let consent = try ServingConsent.read(userPK: userPK, in: db)
            // What the person said about what they are shown holds with or without consent to
            // personalization: it is their instruction, not something learnt about them.
            let stated = try userPK.map { try PreferenceStore.of(userPK: $0, in: db) } ?? []
            // An experiment's variant may serve another version; until it is loaded, the active one.
            let chosen = try version.flatMap { try servingCache.model(version: $0, in: db) }
            guard let serving = try chosen ?? servingCache.model(in: db) else { return (nil, nil, consent, userPK, stated) }
            // Without personalization consent: no history, no fold-in, no vector.
            let personal = consent.personalization && !(userPK.map(serving.isDropped) ?? true)
            // A person whose preferences reshape their history is read whole and folded in afresh.
            let after = ServingPreferences(stated, serving: serving).reshapesHistory ? nil : serving.record.dataToMs
            let events = try personal ? userPK.map { try EventColumnsReader.read(userPK: $0, afterMs: after, in: db) } : nil
            return (serving, events, ServingConsent(personalization: personal, analytics: consent.analytics), userPK, stated)
        }
        let loggedUserPK = consent.analytics ? resolvedPK : nil
        guard let serving = loaded else {
            return (
                try RecommendationFallback.withoutModel(request, database: database, userPK: stated.isEmpty ? nil : resolvedPK),
                loggedUserPK
            )
        }
        let userPK = consent.personalization ? resolvedPK : nil
        let preferences = ServingPreferences(stated, serving: serving)
        let history = UserHistory(userPK: userPK, newEvents: newEvents, serving: serving, preferences: preferences)
        let personalized = !history.vector.isEmpty && !(serving.model is PopularityModel)
        let rules =
            withoutRules
            ? nil
            : try activeRules(
                userPK: resolvedPK, request: request, surface: ruleSurface, personalized: personalized, history: history, serving: serving)
        let settings = try servingSettingsCache.value(nowMs: clock.now()) {
            try database.writer.read { db in try ServingSettings.read(in: db) }
        }
        let filter = ItemFilter(
            request: request, serving: serving, purchased: history.purchased,
            seen: request.excludeSeen ?? settings.excludesSeen(on: "recommendations") ? history.seen : [], preferences: preferences,
            rules: rules)
        let knownRow = userPK.flatMap { serving.userIndex[$0] }.map(Int.init)
        let query = RankingQuery(
            user: history.hasNewEvents ? nil : knownRow, history: history.vector,
            context: RankingContext(request: request, nowMs: clock.now()))
        let pipeline = ServingPipeline(
            request: request, serving: serving, query: query, personalized: personalized, settings: settings, preferences: preferences,
            filter: filter, trace: trace)
        // The exploration stage: a displayed list may trade some of its places for uniform draws
        // from the next items of the ranking, each place's probability kept for the log. Pinned
        // places are the shop's to decide, so a list with pins does not explore.
        // An experiment's exploration strategy explores in place of the surface's settings.
        let surfaceExploration = settings.exploration(for: "recommendations")
        let explorationSettings = strategy?.exploration(over: surfaceExploration) ?? surfaceExploration
        var items: [Recommendation]
        var trace: ExplorationTrace?
        if explorationSettings.explores, let seed = exploreSeed, rules?.pins.isEmpty ?? true {
            let pool = pipeline.run(count: request.k + explorationSettings.pool, filter: filter)
            let now = clock.now()
            let bandit =
                explorationSettings.policy.usesBandit
                ? try bandits.bandit(surface: "recommendations", nowMs: now, database: database) : nil
            // A bandit's context includes the person's segment, learnt from what they did: only
            // with their consent to personalization.
            let segment =
                try bandit == nil
                ? nil
                : userPK.flatMap { pk in
                    try database.writer.read { db in try SegmentStore.clusterSegmentKey(userPK: pk, in: db) }
                }
            let (slots, record) = ExplorationStage.run(
                pool: pool.map(\.item), count: request.k, settings: explorationSettings, bandit: bandit, seed: seed,
                context: BanditContextRecord(
                    hour: request.hour, device: request.device, country: request.country, region: request.region, segment: segment,
                    nowMs: now),
                serving: serving)
            items = ServingPipeline.explained(slots.map { pool[$0.poolIndex] }, history: history, serving: serving, request: request)
            for (index, slot) in slots.enumerated() {
                items[index].explored = slot.explored
                items[index].probability = slot.probability
            }
            trace = record
        } else {
            items = ServingPipeline.explained(
                pipeline.run(count: request.k, filter: filter), history: history, serving: serving, request: request)
        }
        var response = RecommendationResponse(
            items: items, personalized: personalized, modelVersion: serving.record.version, algorithm: serving.record.algorithm)
        response.exploration = trace
        return (response, loggedUserPK)
    }

    /// Items like a given one, by the active model's notion of similarity. For a named person,
    /// what their "not interested" covers is left out.
    public func similarItems(to itemID: String, k: Int, userID: String? = nil) throws -> RecommendationResponse {
        try similarItems(to: itemID, k: k, userID: userID, exploreSeed: nil)
    }

    /// The same, exploring as the shop's `exploration.similar.*` settings say when `exploreSeed`
    /// is given (a displayed list).
    func similarItems(to itemID: String, k: Int, userID: String?, exploreSeed: UInt64?) throws -> RecommendationResponse {
        try RecommendationRequest.check(k: k)
        let pseudonym = userID.map(database.pseudonymizer.pseudonym(of:))
        // One read: the model, and the catalog as it is now rather than as the loaded model
        // last saw it, so that an item just taken out is gone at once.
        let (loaded, removed, stated) = try database.writer.read { db in
            let userPK = try pseudonym.flatMap { try ServingQueries.userPK(pseudonym: $0, in: db) }
            return (
                try servingCache.model(in: db), try CatalogItemStore.isRemoved(itemID: itemID, in: db),
                try userPK.map { try PreferenceStore.of(userPK: $0, in: db) } ?? []
            )
        }
        guard let serving = loaded else {
            throw RequestProblem(.unavailable, code: "no_model", message: "no active model; train one with `kindred train`")
        }
        guard !removed, let index = serving.itemIndexByID[itemID] else {
            throw RequestProblem(.notFound, code: "unknown_item", message: "unknown item '\(itemID)'", field: "item_id")
        }
        let title = serving.catalogRow[Int(index)].flatMap { serving.catalog.titles[$0] } ?? itemID
        let preferences = ServingPreferences(stated, serving: serving)
        let exploration = try exploreSeed.flatMap { seed in
            let settings = try servingSettingsCache.value(nowMs: clock.now()) {
                try database.writer.read { db in try ServingSettings.read(in: db) }
            }.exploration(for: "similar")
            return settings.explores ? (settings, seed) : nil
        }
        let wanted = k + (exploration?.0.pool ?? 0)
        // Out-of-stock items are not offered; ask for spare candidates to fill their places.
        let similar = Array(
            serving.similarItems(to: Int(index), count: wanted * 2 + 10)
                .filter { serving.itemInStock[$0.item] && (preferences.isEmpty || !preferences.excludes($0.item, serving: serving)) }
                .prefix(wanted))
        var items: [Recommendation]
        var trace: ExplorationTrace?
        if let (settings, seed) = exploration {
            let now = clock.now()
            let bandit = settings.policy.usesBandit ? try bandits.bandit(surface: "similar", nowMs: now, database: database) : nil
            let (slots, record) = ExplorationStage.run(
                pool: similar.map(\.item), count: k, settings: settings, bandit: bandit, seed: seed,
                context: BanditContextRecord(hour: nil, device: nil, country: nil, nowMs: now), serving: serving)
            items = slots.map { slot in
                var item = serving.recommendation(
                    item: similar[slot.poolIndex].item, score: similar[slot.poolIndex].score, reason: "similar to \(title)")
                item.explored = slot.explored
                item.probability = slot.probability
                return item
            }
            trace = record
        } else {
            items = similar.prefix(k).map { serving.recommendation(item: $0.item, score: $0.score, reason: "similar to \(title)") }
        }
        var response = RecommendationResponse(
            items: items, personalized: false, modelVersion: serving.record.version, algorithm: serving.record.algorithm)
        response.exploration = trace
        return response
    }
}
