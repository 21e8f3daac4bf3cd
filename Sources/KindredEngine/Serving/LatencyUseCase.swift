import Foundation
import KindredLearning
import KindredStore

/// Query latency measured in process on this database: what `kindred latency` reports.
public struct LatencyReport: Sendable, Codable {
    public var requests: Int
    public var items: Int
    public var modelVersion: Int64
    public var algorithm: String
    public var personalizedShare: Double
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var maxMs: Double
    public var meanMs: Double
    /// Of each sampled person's exhaustive top k (every item scored exactly, no filters), the
    /// share the model's candidate path returns (1 where it is exact). Nil for models without
    /// a candidate path.
    public var candidateOverlap: Double?
    /// How many people the overlap was measured on.
    public var overlapPeople: Int
}

extension Engine {
    /// Sends `requests` recommendation queries for randomly drawn users with filters (in stock,
    /// a price ceiling, what they bought left out) and reports latency percentiles. Each query
    /// pays the pseudonymization HMAC, the profile and history reads, scoring and selection,
    /// exactly as a served request does; the first, which loads the model, is not counted.
    public func measureLatency(requests: Int, k: Int = 10, seed: UInt64 = 1) throws -> LatencyReport {
        guard let serving = try servingCache.model(database: database) else {
            throw DataError(file: database.path, message: "no active model; train one with `kindred train`")
        }
        let userPKs = try database.writer.read { db in try ServingQueries.usersWithEvents(limit: 100_000, in: db) }
        guard !userPKs.isEmpty else { throw DataError(file: database.path, message: "no users with events") }
        let prices = serving.catalog.prices.compactMap { $0 }.sorted()
        let ceiling = prices.isEmpty ? nil : prices[prices.count * 3 / 4]
        var random = SeededGenerator(seed: seed)
        var timings: [Double] = []
        var personalized = 0
        timings.reserveCapacity(requests)
        for index in 0...requests {
            var request = RecommendationRequest(userID: nil, k: k)
            request.maxPrice = ceiling
            request.inStockOnly = true
            let userPK = userPKs[random.nextInt(below: userPKs.count)]
            let started = DispatchTime.now().uptimeNanoseconds
            _ = database.pseudonymizer.pseudonym(of: "latency-check-\(index)")
            let response = try recommend(request, userPK: userPK).response
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            guard index > 0 else { continue }
            timings.append(elapsed)
            if response.personalized { personalized += 1 }
        }
        let overlap = candidateOverlap(serving: serving, userPKs: userPKs, k: k, seed: seed)
        timings.sort()
        func percentile(_ p: Double) -> Double { timings[min(timings.count - 1, Int((p * Double(timings.count)).rounded(.up)) - 1)] }
        return LatencyReport(
            requests: requests, items: serving.itemCount, modelVersion: serving.record.version, algorithm: serving.record.algorithm,
            personalizedShare: Double(personalized) / Double(requests), p50Ms: percentile(0.5), p90Ms: percentile(0.9),
            p99Ms: percentile(0.99), maxMs: timings.last!, meanMs: timings.reduce(0, +) / Double(timings.count),
            candidateOverlap: overlap.share, overlapPeople: overlap.people)
    }

    /// People the candidate overlap is measured on, at most: each costs a full exact scoring.
    static let overlapSample = 200

    /// The candidate path (`CandidateRanking.top`) beside scoring every item, for known people
    /// drawn at random, with their histories as served.
    private func candidateOverlap(serving: ServingModel, userPKs: [Int64], k: Int, seed: UInt64) -> (share: Double?, people: Int) {
        guard let model = serving.model as? any CandidateRanking else { return (nil, 0) }
        var random = SeededGenerator(seed: seed &+ 1)
        var scores = [Float](repeating: 0, count: model.itemCount)
        var shared = 0
        var people = 0
        var asked = 0
        for _ in 0..<min(userPKs.count, Self.overlapSample) {
            let userPK = userPKs[random.nextInt(below: userPKs.count)]
            guard let row = serving.userIndex[userPK].map(Int.init) else { continue }
            let history = UserHistory(userPK: userPK, newEvents: nil, serving: serving).vector
            let served = model.top(user: row, history: history, count: k) { _ in true }
            model.score(user: row, history: history, into: &scores)
            let exact = TopK.select(scores, k: k)
            shared += Set(served.map(\.item)).intersection(exact.map(\.item)).count
            asked += exact.count
            people += 1
        }
        return (asked > 0 ? Double(shared) / Double(asked) : nil, people)
    }
}
