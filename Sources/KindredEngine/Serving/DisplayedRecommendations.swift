import Foundation
import KindredStore

extension Engine {
    /// Recommendations as the API serves them: named by a fresh request id, with what was
    /// shown as impression records for the log.
    public func recommendForDisplay(_ request: RecommendationRequest) throws -> (RecommendationResponse, [ImpressionRecord]) {
        let userPK = try request.userID.flatMap { id in
            try database.writer.read { db in try ServingQueries.userPK(pseudonym: database.pseudonymizer.pseudonym(of: id), in: db) }
        }
        var (response, itemPKs, loggedUserPK) = try recommend(request, userPK: userPK)
        let requestID = Self.newRequestID()
        response.requestID = requestID
        let now = clock.now()
        let shown = zip(response.items, itemPKs).enumerated().map { position, pair in
            ImpressionRecord(
                requestID: requestID, timestampMs: now, userPK: loggedUserPK, surface: .recommendations, anchorItemPK: nil,
                position: position + 1, itemPK: pair.1, score: pair.0.score, modelVersion: response.modelVersion,
                personalized: response.personalized, reason: pair.0.reason)
        }
        return (response, shown)
    }

    /// Similar items as the API serves them, likewise logged.
    public func similarItemsForDisplay(to itemID: String, k: Int) throws -> (RecommendationResponse, [ImpressionRecord]) {
        var (response, itemPKs, anchorPK) = try similarItemsWithKeys(to: itemID, k: k)
        let requestID = Self.newRequestID()
        response.requestID = requestID
        let now = clock.now()
        let shown = zip(response.items, itemPKs).enumerated().map { position, pair in
            ImpressionRecord(
                requestID: requestID, timestampMs: now, userPK: nil, surface: .similar, anchorItemPK: anchorPK, position: position + 1,
                itemPK: pair.1, score: pair.0.score, modelVersion: response.modelVersion, personalized: false, reason: pair.0.reason)
        }
        return (response, shown)
    }

    /// 128 random bits: unguessable, so that nobody can attribute events to another's slate.
    static func newRequestID() -> String {
        UUID().uuidString.lowercased()
    }
}
