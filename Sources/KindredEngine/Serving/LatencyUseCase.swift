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
        timings.sort()
        func percentile(_ p: Double) -> Double { timings[min(timings.count - 1, Int((p * Double(timings.count)).rounded(.up)) - 1)] }
        return LatencyReport(
            requests: requests, items: serving.itemCount, modelVersion: serving.record.version, algorithm: serving.record.algorithm,
            personalizedShare: Double(personalized) / Double(requests), p50Ms: percentile(0.5), p90Ms: percentile(0.9),
            p99Ms: percentile(0.99), maxMs: timings.last!, meanMs: timings.reduce(0, +) / Double(timings.count))
    }
}
