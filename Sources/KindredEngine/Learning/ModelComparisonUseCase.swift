import Foundation
import KindredStore

/// How much two model versions agree on what to show the same people.
public struct ModelAgreement: Sendable, Codable {
    public var versions: [Int64]
    public var k: Int
    /// People both versions hold a vector for, in the sample compared.
    public var people: Int
    /// Mean over people of |top-k of A ∩ top-k of B| / k.
    public var meanOverlap: Double
    /// The share of people whose two lists share no item at all.
    public var disjointShare: Double
    /// How the number was obtained, for the report.
    public var method: String
}

extension Engine {
    /// Serves the same people from both versions (the serving path, without business rules,
    /// with the same exploration draws) and measures how far the lists overlap: the check
    /// that factors trained elsewhere (Spark) recommend what Kindred's own fit would.
    /// Nothing is logged.
    public func compareModels(_ a: Int64, _ b: Int64, k: Int = 20, people: Int = 500) throws -> ModelAgreement {
        guard k >= 1, people >= 1 else {
            throw RequestProblem(.invalid, code: "invalid_parameter", message: "k and people must be at least 1")
        }
        let sample = try database.writer.read { db -> [Int64] in
            for version in [a, b] where try ModelRegistry.record(version: version, in: db) == nil {
                throw RequestProblem(.notFound, code: "unknown_model", message: "no model version \(version) (see `kindred models`)")
            }
            return try ModelRegistry.peopleInBoth(a, b, limit: people, in: db)
        }
        var total = 0.0
        var disjoint = 0
        for userPK in sample {
            let request = RecommendationRequest(userID: nil, k: k)
            let seed = UInt64(bitPattern: userPK)
            let left = try recommend(request, userPK: userPK, version: a, withoutRules: true, exploreSeed: seed).response.items
            let right = try recommend(request, userPK: userPK, version: b, withoutRules: true, exploreSeed: seed).response.items
            let shared = Set(left.map(\.itemID)).intersection(right.map(\.itemID)).count
            total += Double(shared) / Double(k)
            if shared == 0 { disjoint += 1 }
        }
        return ModelAgreement(
            versions: [a, b], k: k, people: sample.count, meanOverlap: sample.isEmpty ? 0 : total / Double(sample.count),
            disjointShare: sample.isEmpty ? 0 : Double(disjoint) / Double(sample.count),
            method: "mean |A∩B|/k of the top \(k) each version serves the same people (no rules, same exploration draws)")
    }
}
