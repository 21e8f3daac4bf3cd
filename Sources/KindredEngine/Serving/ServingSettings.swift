import Foundation
import KindredLearning
import KindredStore

/// The shop's defaults for the re-ranking stage of every list: how much accuracy to trade for
/// variety (maximal marginal relevance, 1 = none) and how many items one category or brand may
/// hold (0 = no cap). A request may ask for its own values.
struct ServingSettings: Sendable, Equatable {
    var diversity = 1.0
    var maxPerCategory = 0
    var maxPerBrand = 0
    /// The least share of long-tail items in every prefix of a list (0: no quota): a
    /// popularity-debiasing re-ranking (`LongTailQuota`).
    var longTailShare = 0.0
    /// The share of explorable places in a displayed recommendation list given to a uniform
    /// draw (0: never explore), from which position on, and from how many items past the list.
    var explorationEpsilon = 0.0
    var explorationFirstPosition = 1
    var explorationPool = 20

    static let keys = [
        "serving.diversity", "serving.max_per_category", "serving.max_per_brand", "serving.long_tail_share",
        "exploration.recommendations.epsilon",
        "exploration.recommendations.first_position", "exploration.recommendations.pool",
    ]
    static let defaults = [
        "serving.diversity": "1", "serving.max_per_category": "0", "serving.max_per_brand": "0", "serving.long_tail_share": "0",
        "exploration.recommendations.epsilon": "0", "exploration.recommendations.first_position": "1",
        "exploration.recommendations.pool": "20",
    ]

    /// The exploration policy of displayed recommendation lists, nil when they do not explore.
    var exploration: EpsilonGreedySlate? {
        explorationEpsilon > 0 ? EpsilonGreedySlate(epsilon: explorationEpsilon, firstPosition: explorationFirstPosition) : nil
    }

    /// How the evaluation report names the re-ranking it ran.
    var description: String {
        var parts: [String] = []
        if maxPerCategory > 0 { parts.append("at most \(maxPerCategory) per category") }
        if maxPerBrand > 0 { parts.append("at most \(maxPerBrand) per brand") }
        if diversity < 1 { parts.append("mmr lambda \(diversity)") }
        if longTailShare > 0 { parts.append("long tail at least \(longTailShare)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    static func read(in db: StoreConnection) throws -> ServingSettings {
        var settings = ServingSettings()
        settings.diversity = try SettingsStore.value("serving.diversity", in: db).flatMap(Double.init) ?? 1
        settings.maxPerCategory = try SettingsStore.value("serving.max_per_category", in: db).flatMap(Int.init) ?? 0
        settings.maxPerBrand = try SettingsStore.value("serving.max_per_brand", in: db).flatMap(Int.init) ?? 0
        settings.longTailShare = try SettingsStore.value("serving.long_tail_share", in: db).flatMap(Double.init) ?? 0
        settings.explorationEpsilon = try SettingsStore.value("exploration.recommendations.epsilon", in: db).flatMap(Double.init) ?? 0
        settings.explorationFirstPosition =
            try SettingsStore.value("exploration.recommendations.first_position", in: db).flatMap(Int.init) ?? 1
        settings.explorationPool = try SettingsStore.value("exploration.recommendations.pool", in: db).flatMap(Int.init) ?? 20
        return settings
    }
}

/// A value read from the database and held for a couple of seconds, so that per-request
/// settings cost nothing on the hot path; a change made by another process is seen within
/// `freshness`, one made through this engine at once (it invalidates).
final class FreshValueCache<Value: Sendable>: @unchecked Sendable {
    static var freshness: Int64 { 2_000 }

    private let lock = NSLock()
    private var held: (value: Value, loadedMs: Int64)?

    func value(nowMs: Int64, load: () throws -> Value) rethrows -> Value {
        if let held = lock.withLock({ held }), nowMs >= held.loadedMs, nowMs - held.loadedMs < Self.freshness { return held.value }
        let value = try load()
        lock.withLock { held = (value, nowMs) }
        return value
    }

    func invalidate() { lock.withLock { held = nil } }
}

/// Per item index, its category and brand numbers (-1 for none): what caps group by and what
/// likeness falls back to for models without item vectors.
struct ItemGroups {
    var categories: [Int32]
    var brands: [Int32]
    /// Per item index: outside the short head (the most popular items that draw 80% of
    /// interactions). Empty when popularity is not known.
    var longTail: [Bool] = []

    init(categories: [Int32], brands: [Int32], longTail: [Bool] = []) {
        self.categories = categories
        self.brands = brands
        self.longTail = longTail
    }

    /// The same groups with the long tail of `popularity` (one value per item index).
    func withLongTail(popularity: [Double]) -> ItemGroups {
        let head = ExposureAudit.shortHead(popularity: popularity)
        var groups = self
        groups.longTail = popularity.indices.map { !head.contains($0) }
        return groups
    }

    /// The groups of a training set's item columns, from its catalog.
    init(_ data: TrainingData) {
        var rowOfPK: [Int64: Int] = [:]
        for (row, pk) in data.catalog.itemPKs.enumerated() { rowOfPK[pk] = row }
        var pkOfColumn = [Int64](repeating: 0, count: data.itemIndex.count)
        for (pk, column) in data.itemIndex { pkOfColumn[Int(column)] = pk }
        let rows = pkOfColumn.map { rowOfPK[$0] }
        categories = Self.numbered(rows.map { $0.flatMap { data.catalog.categories[$0] } }).numbers
        brands = Self.numbered(rows.map { $0.flatMap { data.catalog.brands[$0] } }).numbers
    }

    func similarity(for model: any RecommenderModel) -> any ItemSimilarity {
        ItemEmbeddings.similarity(of: model) ?? GroupSimilarity(groups: categories)
    }

    /// Numbers distinct lower-cased names in order of first appearance (-1 for none).
    static func numbered(_ values: [String?]) -> (numbers: [Int32], names: [String]) {
        var known: [String: Int32] = [:]
        var names: [String] = []
        let numbers = values.map { value -> Int32 in
            guard let name = value?.lowercased() else { return -1 }
            if let number = known[name] { return number }
            names.append(name)
            known[name] = Int32(names.count - 1)
            return Int32(names.count - 1)
        }
        return (numbers, names)
    }
}
