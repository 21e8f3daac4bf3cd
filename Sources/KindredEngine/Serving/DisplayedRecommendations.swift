import Foundation
import KindredStore

extension Engine {
    /// Recommendations as the API serves them: named by a fresh request id, with what was
    /// shown as impression records for the log.
    public func recommendForDisplay(_ request: RecommendationRequest) throws -> (RecommendationResponse, ImpressionRecord) {
        var (response, loggedUserPK) = try recommend(
            request, userPK: nil, pseudonym: request.userID.map(database.pseudonymizer.pseudonym(of:)))
        let requestID = Self.newRequestID()
        response.requestID = requestID
        let now = clock.now()
        let shown = ImpressionRecord(
            requestID: requestID, timestampMs: now, userPK: loggedUserPK, surface: .recommendations, anchorItemID: nil,
            modelVersion: response.modelVersion, personalized: response.personalized,
            items: response.items.map { .init(itemID: $0.itemID, score: $0.score, reason: $0.reason) })
        return (response, shown)
    }

    /// Similar items as the API serves them, likewise logged.
    public func similarItemsForDisplay(to itemID: String, k: Int) throws -> (RecommendationResponse, ImpressionRecord) {
        var response = try similarItems(to: itemID, k: k)
        let requestID = Self.newRequestID()
        response.requestID = requestID
        let now = clock.now()
        let shown = ImpressionRecord(
            requestID: requestID, timestampMs: now, userPK: nil, surface: .similar, anchorItemID: itemID,
            modelVersion: response.modelVersion, personalized: false,
            items: response.items.map { .init(itemID: $0.itemID, score: $0.score, reason: $0.reason) })
        return (response, shown)
    }

    /// 128 random bits: unguessable, so that nobody can attribute events to another's slate.
    static func newRequestID() -> String {
        UUID().uuidString.lowercased()
    }
}
