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
    /// Whether personalized lists go through the active model's learned ranker, when it has one
    /// (`kindred ranker train`); off serves the model's own order.
    var learnedRanker = true
    /// Per surface (`recommendations`, `pages`), whether lists leave out everything the person
    /// has seen (viewed, clicked, carted, rated or bought), not only what they bought: what a
    /// discovery slot wants. A request may say otherwise (`exclude_seen`).
    var excludeSeenBySurface: [String: Bool] = [:]

    /// The surfaces with an "exclude seen" setting.
    static let exclusionSurfaces = ["recommendations", "pages"]

    func excludesSeen(on surface: String) -> Bool { excludeSeenBySurface[surface] ?? false }
    /// How displayed lists of each surface explore (`exploration.<surface>.*`).
    var explorationBySurface: [String: ExplorationSettings] = [:]

    /// The surfaces whose displayed lists may explore.
    static let explorationSurfaces = ["recommendations", "similar"]

    static let keys =
        [
            "serving.diversity", "serving.max_per_category", "serving.max_per_brand", "serving.long_tail_share", "serving.ranker",
        ] + explorationSurfaces.flatMap { surface in ExplorationSettings.defaults.map { "exploration.\(surface).\($0.key)" } }
    static let defaults = [
        "serving.diversity": "1", "serving.max_per_category": "0", "serving.max_per_brand": "0", "serving.long_tail_share": "0",
        "serving.ranker": "on", "serving.exclude_seen.recommendations": "off", "serving.exclude_seen.pages": "off",
    ].merging(
        explorationSurfaces.flatMap { surface in ExplorationSettings.defaults.map { ("exploration.\(surface).\($0.key)", $0.value) } }
    ) { first, _ in first }

    func exploration(for surface: String) -> ExplorationSettings { explorationBySurface[surface] ?? ExplorationSettings() }

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
        settings.learnedRanker = try SettingsStore.value("serving.ranker", in: db) != "off"
        for surface in exclusionSurfaces {
            settings.excludeSeenBySurface[surface] = try SettingsStore.value("serving.exclude_seen.\(surface)", in: db) == "on"
        }
        for surface in explorationSurfaces {
            func value(_ name: String) throws -> String? { try SettingsStore.value("exploration.\(surface).\(name)", in: db) }
            var exploration = ExplorationSettings()
            exploration.epsilon = try value("epsilon").flatMap(Double.init) ?? exploration.epsilon
            exploration.firstPosition = try value("first_position").flatMap(Int.init) ?? exploration.firstPosition
            exploration.pool = try value("pool").flatMap(Int.init) ?? exploration.pool
            exploration.policy = try value("policy").flatMap(ExplorationSettings.Policy.init(rawValue:)) ?? exploration.policy
            exploration.temperature = try value("temperature").flatMap(Double.init) ?? exploration.temperature
            exploration.alpha = try value("alpha").flatMap(Double.init) ?? exploration.alpha
            exploration.scale = try value("scale").flatMap(Double.init) ?? exploration.scale
            exploration.draws = try value("draws").flatMap(Int.init) ?? exploration.draws
            settings.explorationBySurface[surface] = exploration
        }
        return settings
    }
}

/// How one surface's displayed lists explore. `epsilon_greedy` (the default) gives a share of
/// the explorable places to a uniform draw (epsilon 0: never explores). The other policies are
/// the surface's contextual bandit: `contextual` ranks by what it learned without exploring,
/// `softmax`, `linucb` and `thompson` explore as `BanditSlatePolicy` describes. All of them
/// explore from the given position on, over the list and `pool` items past it.
struct ExplorationSettings: Sendable, Equatable {
    enum Policy: String, Sendable, CaseIterable {
        case epsilonGreedy = "epsilon_greedy", contextual, softmax, linucb, thompson

        var usesBandit: Bool { self != .epsilonGreedy }

        /// The setting (under `exploration.<surface>.`) of the policy's one parameter.
        var parameterSetting: String? {
            switch self {
            case .epsilonGreedy: "epsilon"
            case .softmax: "temperature"
            case .linucb: "alpha"
            case .thompson: "scale"
            case .contextual: nil
            }
        }
    }

    var policy = Policy.epsilonGreedy
    var epsilon = 0.0
    var firstPosition = 1
    var pool = 20
    var temperature = 0.05
    var alpha = 1.0
    var scale = 0.25
    var draws = 128

    static let defaults: KeyValuePairs<String, String> = [
        "policy": "epsilon_greedy", "epsilon": "0", "first_position": "1", "pool": "20", "temperature": "0.05", "alpha": "1",
        "scale": "0.25", "draws": "128",
    ]

    /// Whether displayed lists of the surface go through the exploration stage at all.
    var explores: Bool { policy.usesBandit || epsilon > 0 }

    /// The epsilon-greedy policy, nil when the surface uses its bandit or does not explore.
    var epsilonGreedy: EpsilonGreedySlate? {
        policy == .epsilonGreedy && epsilon > 0 ? EpsilonGreedySlate(epsilon: epsilon, firstPosition: firstPosition) : nil
    }

    /// The bandit policy, nil for epsilon-greedy.
    var bandit: BanditSlatePolicy? {
        let strategy: BanditSlatePolicy.Strategy
        switch policy {
        case .epsilonGreedy: return nil
        case .contextual: strategy = .contextual
        case .softmax: strategy = .softmax(temperature: temperature)
        case .linucb: strategy = .linUCB(alpha: alpha)
        case .thompson: strategy = .thompson(scale: scale, draws: draws)
        }
        return BanditSlatePolicy(strategy: strategy, firstPosition: firstPosition)
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
