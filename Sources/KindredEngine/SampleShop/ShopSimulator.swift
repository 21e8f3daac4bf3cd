import Foundation
import KindredLearning
import KindredStore

/// `kindred simulate`: visitors of a generated shop come on simulated days, are served
/// recommendations through the same Engine path an HTTP request takes (experiments, exposures
/// and the impression log included), and click, add to cart and buy with probabilities from
/// their true tastes and a position bias; their events go through the event writer as posted
/// events do. The same seed on the same database gives the same events: after each batch the
/// writer is settled (`GroupCommitWriter.settle`), so that what the next visits are served
/// never depends on the machine's load.
///
/// `run` blocks its thread for the whole simulation (it waits on the writer between visits):
/// call it from a thread of its own, never from a task on Swift's cooperative pool.
public enum ShopSimulator {
    public struct Settings: Sendable, Equatable {
        public var days = 1
        public var visitorsPerDay = 1000
        public var seed: UInt64 = 1
        /// Items per recommendation list.
        public var k = 10
        /// Events are posted for this many visits at a time, as trackers batch them: a person
        /// who comes back within the same batch is served without their latest visit folded in.
        static let visitsPerBatch = 20

        public init(days: Int = 1, visitorsPerDay: Int = 1000, seed: UInt64 = 1) {
            self.days = days
            self.visitorsPerDay = visitorsPerDay
            self.seed = seed
        }
    }

    public struct Report: Sendable, Codable, Equatable {
        public var days: Int
        public var visitors: Int
        public var from: String
        public var to: String
        public var recommendationLists: Int
        public var personalizedLists: Int
        /// Lists an experiment decided, by "experiment/variant".
        public var listsByVariant: [String: Int]
        public var clicks: Int
        public var addsToCart: Int
        public var purchases: Int
        public var eventsPosted: Int
        public var eventsStored: Int
        public var seconds: Double
    }

    /// The model of a visit, in one place: how likely a person looks at a slot and acts on an item.
    enum Behaviour {
        /// Chance that a visitor looks at the item in `position` (0 = first): the usual decay
        /// of attention down a list.
        static func examination(position: Int) -> Double { 1 / pow(Double(position + 1), 0.75) }

        /// How much the person likes the item, in (0, 1]: their share of browsing in its
        /// category against their top category's, halved when the style is not theirs.
        static func relevance(_ tastes: ShopTastes, user: ShopTastes.User, item: ShopTastes.Item) -> Double {
            let top = tastes.baselineCategoryShare + (tastes.favouriteShares.first ?? 0)
            let category = tastes.categoryShare(user: user, category: item.category) / top
            return category * (item.style == user.style ? 1 : 0.5)
        }

        static let clickGivenLook = 0.35
        static let cartGivenClick = 0.3
        static let purchaseGivenCart = 0.5
    }

    public static func run(
        location: DatabaseLocation, tastes: ShopTastes, settings: Settings, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Report {
        precondition(settings.days > 0 && settings.visitorsPerDay > 0, "a simulation with visitors in it")
        let clock = SimulatedClock()
        let engine = try Engine.open(at: location, clock: WallClock { clock.now() }, actor: "simulator")
        let latest = try engine.database.writer.read { db in try ExperimentTraffic.latestEventMs(in: db) }
        // The first simulated day starts at the midnight after both the shop's period and its newest event.
        let startMs = (max(tastes.endMs, latest ?? 0) / 86_400_000 + 1) * 86_400_000
        clock.set(startMs)
        let writer = GroupCommitWriter(database: engine.database, clock: WallClock { clock.now() })
        try writer.start()
        let itemIndex = Dictionary(uniqueKeysWithValues: tastes.items.enumerated().map { ($1.id, $0) })
        let byCategory = Dictionary(grouping: tastes.items.indices, by: { tastes.items[$0].category })
        let categoryTables = byCategory.mapValues { AliasTable(weights: $0.map { tastes.items[$0].popularity }) }
        let visitorsTable = AliasTable(weights: tastes.users.map(\.activity))
        var random = SeededGenerator(seed: settings.seed)
        var report = Report(
            days: settings.days, visitors: 0, from: TimestampFormatter.iso8601(milliseconds: startMs), to: "", recommendationLists: 0,
            personalizedLists: 0, listsByVariant: [:], clicks: 0, addsToCart: 0, purchases: 0, eventsPosted: 0, eventsStored: 0,
            seconds: 0)
        let started = WallClock.monotonicSeconds()
        let total = settings.days * settings.visitorsPerDay
        do {
            for day in 0..<settings.days {
                let dayStart = startMs + Int64(day) * 86_400_000
                // The day's visits in time order, so that the clock only moves forward.
                var visits: [(ms: Int64, user: Int)] = (0..<settings.visitorsPerDay).map { _ in
                    let user = visitorsTable.sample(using: &random)
                    let taste = tastes.users[user]
                    let localHour = (taste.peakHour + Int((random.nextGaussian() * 2.5).rounded()) + 48) % 24
                    let utcHour = (localHour - taste.timeZoneHours + 48) % 24
                    return (dayStart + Int64(utcHour) * 3_600_000 + Int64(random.nextInt(below: 3_600_000)), user)
                }
                visits.sort { ($0.ms, $0.user) < ($1.ms, $1.user) }
                var waiting: [String] = []
                func post() throws {
                    guard !waiting.isEmpty else { return }
                    let body = Data(("{\"events\":[" + waiting.joined(separator: ",") + "]}").utf8)
                    let posted = try waitFor { try await engine.ingestEvents(body: body, maxEvents: .max, writer: writer) }
                    report.eventsPosted += posted.received
                    report.eventsStored += posted.stored
                    waiting = []
                    // Whether the writer filed before answering depends on how busy the
                    // machine is; the next visits must not, or the seed would not decide them.
                    try waitFor { await writer.settle() }
                    // What the server's updater does every 250 ms: the bandits learn from the
                    // lists shown and the outcomes filed (nothing to do without a bandit).
                    try engine.updateBandits()
                }
                for (number, visit) in visits.enumerated() {
                    // Visits overlap in time as a shop's do: each starts at its own moment.
                    clock.set(max(clock.now(), visit.ms))
                    waiting += try visitOnce(
                        user: tastes.users[visit.user], tastes: tastes, engine: engine, writer: writer, startMs: visit.ms, k: settings.k,
                        itemIndex: itemIndex, categoryTables: categoryTables, byCategory: byCategory, random: &random, report: &report)
                    report.visitors += 1
                    if (number + 1) % Settings.visitsPerBatch == 0 { try post() }
                    progress(day * settings.visitorsPerDay + number + 1, total)
                }
                try post()
            }
        } catch {
            _ = try? waitFor { await writer.close() }
            throw error
        }
        try waitFor { await writer.close() }
        report.to = TimestampFormatter.iso8601(milliseconds: clock.now())
        report.seconds = WallClock.monotonicSeconds() - started
        return report
    }

    /// The result of async work, waited for on this (non-pool) thread.
    private static func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = .success(try await work()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// One visit: a look around their favourite categories, a recommendation list, and what
    /// they do with it. Returns the visit's events as the JSON the API takes.
    private static func visitOnce(
        user: ShopTastes.User, tastes: ShopTastes, engine: Engine, writer: GroupCommitWriter, startMs: Int64, k: Int,
        itemIndex: [String: Int], categoryTables: [Int: AliasTable], byCategory: [Int: [Int]], random: inout SeededGenerator,
        report: inout Report
    ) throws -> [String] {
        let device = random.nextUnit() < 0.85 ? user.device : ["mobile", "desktop", "tablet"][random.nextInt(below: 3)]
        let localHour = Int(((startMs / 3_600_000) + Int64(user.timeZoneHours) + 24) % 24)
        let session = "sim-\(user.id)-\(startMs)"
        var events: [String] = []
        var now = startMs
        func event(_ type: String, _ item: String, requestID: String? = nil, value: Double? = nil, price: Double? = nil) {
            var json =
                "{\"type\":\"\(type)\",\"user_id\":\"\(user.id)\",\"item_id\":\"\(item)\",\"ts\":\(now),\"session_id\":\"\(session)\",\"device\":\"\(device)\",\"country\":\"\(user.country)\",\"hour\":\(localHour)"
            if let requestID { json += ",\"request_id\":\"\(requestID)\"" }
            if let value { json += ",\"value\":\(value)" }
            if let price { json += ",\"price\":\(price)" }
            events.append(json + "}")
            now += Int64(3_000 + random.nextInt(below: 40_000))
        }
        // Browsing on their own: a view or two in the categories they like.
        for _ in 0..<(1 + random.nextInt(below: 2)) {
            let category = user.favouriteCategories[random.nextUnit() < 0.64 ? 0 : min(1, user.favouriteCategories.count - 1)]
            guard let table = categoryTables[category], let members = byCategory[category] else { continue }
            event("view", tastes.items[members[table.sample(using: &random)]].id)
        }
        var request = RecommendationRequest(userID: user.id, k: k)
        request.device = device
        request.country = user.country
        request.hour = localHour
        let (response, impression) = try engine.recommendForDisplay(request)
        writer.log([impression])
        report.recommendationLists += 1
        if response.personalized { report.personalizedLists += 1 }
        if let experiment = response.experiment, let variant = response.variant {
            report.listsByVariant["\(experiment)/\(variant)", default: 0] += 1
        }
        guard let requestID = response.requestID else { return events }
        for (position, shown) in response.items.enumerated() {
            guard let index = itemIndex[shown.itemID] else { continue }
            let relevance = Behaviour.relevance(tastes, user: user, item: tastes.items[index])
            guard random.nextUnit() < Behaviour.examination(position: position) * Behaviour.clickGivenLook * relevance else { continue }
            report.clicks += 1
            event("click", shown.itemID, requestID: requestID)
            event("view", shown.itemID, requestID: requestID)
            event("dwell", shown.itemID, requestID: requestID, value: (exp(random.nextGaussian() * 0.6) * 20 * (0.5 + relevance)).rounded())
            if random.nextUnit() < Behaviour.cartGivenClick * relevance {
                report.addsToCart += 1
                event("add_to_cart", shown.itemID, requestID: requestID, value: 1, price: shown.price)
                if random.nextUnit() < Behaviour.purchaseGivenCart {
                    report.purchases += 1
                    event("purchase", shown.itemID, requestID: requestID, value: 1, price: shown.price)
                }
            }
        }
        return events
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// The time a simulation is at: moved forward by the simulator, read by the engine and writer.
final class SimulatedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var ms: Int64 = 0

    func now() -> Int64 { lock.withLock { ms } }
    func set(_ value: Int64) { lock.withLock { ms = value } }
}
