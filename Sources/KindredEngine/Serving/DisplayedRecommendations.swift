import Foundation
import KindredLearning
import KindredStore

extension Engine {
    /// Recommendations as the API serves them: named by a fresh request id, with what was
    /// shown as an impression record for the log. A caller who may not act for the person
    /// named (a public key without their token) gets what a stranger gets, logged for nobody:
    /// a guessable id must not reveal what someone bought.
    ///
    /// A person in a running experiment gets their variant's strategy, and the impression
    /// names the experiment and variant, which records their first exposure. The response
    /// counts as the variant's only if the variant's model really served it.
    public func recommendForDisplay(_ request: RecommendationRequest, caller: Caller = .owner) throws -> (
        RecommendationResponse, ImpressionRecord
    ) {
        try request.check()
        var request = request
        if let userID = request.userID, !caller.mayAct(for: userID) {
            guard caller.tokenUserID == nil else { throw RequestProblem.tokenMismatch }
            request.userID = nil
        }
        let pseudonym = request.userID.map(database.pseudonymizer.pseudonym(of:))
        let choice = try pseudonym.flatMap {
            try experimentChoice(surface: "recommendations", pseudonym: $0, device: request.device, country: request.country)
        }
        // Without an experiment deciding, the strategy of the person's segment applies.
        let segment = choice == nil ? try pseudonym.flatMap { try segmentChoice(pseudonym: $0) } : nil
        if let segment { request = segment.strategy.apply(to: request) }
        // The request id seeds the exploration stage, so that a logged decision can be replayed.
        let requestID = Self.newRequestID()
        var (response, loggedUserPK) = try recommend(
            request, userPK: nil, pseudonym: pseudonym, version: choice?.version ?? segment?.version,
            exploreSeed: EpsilonGreedySlate.seed(requestID: requestID), exploration: choice?.strategy)
        if let segment { response.segment = segment.key }
        var displayed = shown(response, surface: .recommendations, userPK: loggedUserPK, anchorItemID: nil, requestID: requestID)
        displayed.1.device = request.device.flatMap(Device.init(loosely:))?.rawValue
        displayed.1.country = request.country
        if let choice, loggedUserPK != nil, choice.version == nil || response.modelVersion == choice.version {
            displayed.1.exposure = .init(experimentPK: choice.experimentPK, experiment: choice.experiment, variant: choice.variant)
            displayed.0.experiment = choice.experiment
            displayed.0.variant = choice.variant
        }
        return displayed
    }

    /// Similar items as the API serves them, likewise logged. A person named (who the caller
    /// may act for) does not see what they are not interested in; one the caller may not act
    /// for is ignored, so that the list cannot reveal their preferences.
    public func similarItemsForDisplay(to itemID: String, k: Int, userID: String? = nil, caller: Caller = .owner) throws -> (
        RecommendationResponse, ImpressionRecord
    ) {
        var person = userID
        if let userID, !caller.mayAct(for: userID) {
            guard caller.tokenUserID == nil else { throw RequestProblem.tokenMismatch }
            person = nil
        }
        let requestID = Self.newRequestID()
        return shown(
            try similarItems(to: itemID, k: k, userID: person, exploreSeed: EpsilonGreedySlate.seed(requestID: requestID)),
            surface: .similar, userPK: nil, anchorItemID: itemID, requestID: requestID)
    }

    private func shown(
        _ response: RecommendationResponse, surface: ImpressionRecord.Surface, userPK: Int64?, anchorItemID: String?,
        requestID: String = Engine.newRequestID()
    ) -> (RecommendationResponse, ImpressionRecord) {
        var response = response
        response.requestID = requestID
        var record = ImpressionRecord(
            requestID: requestID, timestampMs: clock.now(), userPK: userPK, surface: surface, anchorItemID: anchorItemID,
            modelVersion: response.modelVersion, personalized: response.personalized,
            items: response.items.map {
                .init(
                    itemID: $0.itemID, score: $0.score, explored: $0.explored ?? false, probability: $0.probability ?? 1, reason: $0.reason)
            })
        record.exploration = response.exploration?.json
        return (response, record)
    }

    /// 128 random bits: unguessable, so that nobody can attribute events to another's slate.
    static func newRequestID() -> String {
        UUID().uuidString.lowercased()
    }
}

extension Engine {
    /// The profile a person's events are filed under, nil before their first one: what a live
    /// recommendation stream watches for in the event writer's filings.
    public func profileKey(userID: String) throws -> Int64? {
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        return try database.writer.read { db in try ServingQueries.userPK(pseudonym: pseudonym, in: db) }
    }
}
