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
    /// Context: for people the models do not know, what is popular in their country, on
    /// their device class and at their time of day leads the ranking.
    public var device: String?
    public var country: String?
    public var hour: Int?

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
}

extension Engine {
    /// Ranks items for a person. Unknown and anonymous people get the non-personalized
    /// ranking (popular in their country, trending, popular), never an error. A person whose
    /// events arrived after training is folded in from their current history.
    public func recommend(_ request: RecommendationRequest) throws -> RecommendationResponse {
        try RecommendationRequest.check(k: request.k)
        return try recommend(request, userPK: nil, pseudonym: request.userID.map(database.pseudonymizer.pseudonym(of:))).response
    }

    /// The query once the person is known by profile key or pseudonym (or is nobody); also
    /// returns the profile to log the impressions under (nil when the person may not be
    /// processed for analytics).
    func recommend(
        _ request: RecommendationRequest, userPK knownPK: Int64?, pseudonym: String? = nil, version: Int64? = nil
    ) throws -> (
        response: RecommendationResponse, loggedUserPK: Int64?
    ) {
        // One read transaction: who the person is, their consent, the active model (cached)
        // and the events newer than it; the rest of their history is in the model's memory.
        let (loaded, newEvents, consent, resolvedPK) = try database.writer.read {
            db -> (ServingModel?, EventColumns?, ServingConsent, Int64?) in
            let userPK = try knownPK ?? pseudonym.flatMap { try ServingQueries.userPK(pseudonym: $0, in: db) }
            let consent = try ServingConsent.read(userPK: userPK, in: db)
            // An experiment's variant may serve another version; until it is loaded, the active one.
            let chosen = try version.flatMap { try servingCache.model(version: $0, in: db) }
            guard let serving = try chosen ?? servingCache.model(in: db) else { return (nil, nil, consent, userPK) }
            // Without personalization consent: no history, no fold-in, no vector.
            let personal = consent.personalization && !(userPK.map(serving.isDropped) ?? true)
            let events =
                try personal ? userPK.map { try EventColumnsReader.read(userPK: $0, afterMs: serving.record.dataToMs, in: db) } : nil
            return (serving, events, ServingConsent(personalization: personal, analytics: consent.analytics), userPK)
        }
        let loggedUserPK = consent.analytics ? resolvedPK : nil
        guard let serving = loaded else {
            return (try RecommendationFallback.withoutModel(request, database: database), loggedUserPK)
        }
        let userPK = consent.personalization ? resolvedPK : nil
        let history = UserHistory(userPK: userPK, newEvents: newEvents, serving: serving)
        let personalized = !history.vector.isEmpty && !(serving.model is PopularityModel)
        let filter = ItemFilter(request: request, serving: serving, purchased: history.purchased)
        var reasons: [Int: String] = [:]
        var top: [ScoredItem]
        var backfilled = Set<Int>()
        if personalized {
            let knownRow = userPK.flatMap { serving.userIndex[$0] }.map(Int.init)
            let user = history.hasNewEvents ? nil : knownRow
            if let ranking = serving.model as? any CandidateRanking {
                top = ranking.top(user: user, history: history.vector, count: request.k) {
                    filter.allows($0)
                }
            } else {
                var scores = [Float](repeating: 0, count: serving.itemCount)
                serving.model.score(user: user, history: history.vector, into: &scores)
                top = scores.withUnsafeBufferPointer { TopK.select($0, k: request.k) { filter.allows($0) } }
            }
            // Neighbour models score 0 where they have no evidence: fill those slots from the
            // non-personalized ranking rather than with arbitrary items.
            if !(serving.model is any CandidateRanking) {
                top = top.filter { $0.score > 0 }
                if top.count < request.k {
                    var scores = [Float](repeating: 0, count: serving.itemCount)
                    reasons = NonPersonalizedRanking.fill(&scores, serving: serving, request: request)
                    let chosen = Set(top.map(\.item))
                    let fill = scores.withUnsafeBufferPointer {
                        TopK.select($0, k: request.k - top.count) { !chosen.contains($0) && filter.allows($0) }
                    }
                    backfilled = Set(fill.map(\.item))
                    top += fill.map { ScoredItem(item: $0.item, score: 0) }
                }
            }
        } else {
            var scores = [Float](repeating: 0, count: serving.itemCount)
            reasons = NonPersonalizedRanking.fill(&scores, serving: serving, request: request)
            top = scores.withUnsafeBufferPointer { TopK.select($0, k: request.k) { filter.allows($0) } }
        }
        let items = top.map { scored -> Recommendation in
            let row = serving.catalogRow[scored.item]
            let reason =
                personalized && !backfilled.contains(scored.item)
                ? history.reason(for: scored.item, model: serving.model, serving: serving)
                : reasons[scored.item] ?? NonPersonalizedRanking.reason(for: scored.item, serving: serving)
            return Recommendation(
                itemID: row.map { serving.catalog.itemIDs[$0] } ?? String(serving.itemPKs[scored.item]),
                title: row.flatMap { serving.catalog.titles[$0] }, category: row.flatMap { serving.catalog.categories[$0] },
                price: row.flatMap { serving.catalog.prices[$0] }, score: scored.score, reason: reason)
        }
        let response = RecommendationResponse(
            items: items, personalized: personalized, modelVersion: serving.record.version, algorithm: serving.record.algorithm)
        return (response, loggedUserPK)
    }

    /// Items like a given one, by the active model's notion of similarity.
    public func similarItems(to itemID: String, k: Int) throws -> RecommendationResponse {
        try RecommendationRequest.check(k: k)
        // One read: the model, and the catalog as it is now rather than as the loaded model
        // last saw it, so that an item just taken out is gone at once.
        let (loaded, removed) = try database.writer.read { db in
            (try servingCache.model(in: db), try CatalogItemStore.isRemoved(itemID: itemID, in: db))
        }
        guard let serving = loaded else {
            throw RequestProblem(.unavailable, code: "no_model", message: "no active model; train one with `kindred train`")
        }
        guard !removed, let index = serving.itemIndexByID[itemID] else {
            throw RequestProblem(.notFound, code: "unknown_item", message: "unknown item '\(itemID)'", field: "item_id")
        }
        let title = serving.catalogRow[Int(index)].flatMap { serving.catalog.titles[$0] } ?? itemID
        // Out-of-stock items are not offered; ask for spare candidates to fill their places.
        let similar = Array(serving.model.similarItems(to: Int(index), count: k * 2 + 10).filter { serving.itemInStock[$0.item] }.prefix(k))
        let items = similar.map { scored -> Recommendation in
            let row = serving.catalogRow[scored.item]
            return Recommendation(
                itemID: row.map { serving.catalog.itemIDs[$0] } ?? String(serving.itemPKs[scored.item]),
                title: row.flatMap { serving.catalog.titles[$0] }, category: row.flatMap { serving.catalog.categories[$0] },
                price: row.flatMap { serving.catalog.prices[$0] }, score: scored.score, reason: "similar to \(title)")
        }
        return RecommendationResponse(
            items: items, personalized: false, modelVersion: serving.record.version, algorithm: serving.record.algorithm)
    }
}
