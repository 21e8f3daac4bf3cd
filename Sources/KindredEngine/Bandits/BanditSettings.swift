import Foundation
import KindredLearning
import KindredStore

/// The shop's settings for its contextual bandits: the ridge penalty and the prior's weight on
/// the model's order (both fixed per bandit version, so they take effect at the next reset), how
/// many of the shop's countries get a context slot of their own, and what each outcome that
/// follows a displayed item is worth (read at every update; the rewards of one display add up).
struct BanditSettings: Sendable, Equatable {
    var lambda = 1.0
    var priorWeight = 0.1
    var countries = 3
    var regions = 3
    var rewards: [String: Double] = ["click": 1, "add_to_cart": 2, "purchase": 5]

    static let defaults: KeyValuePairs<String, String> = [
        "bandit.lambda": "1", "bandit.prior_weight": "0.1", "bandit.countries": "3", "bandit.regions": "3", "bandit.reward.click": "1",
        "bandit.reward.add_to_cart": "2", "bandit.reward.purchase": "5",
    ]
    static var keys: [String] { defaults.map(\.key) }

    static func read(in db: StoreConnection) throws -> BanditSettings {
        var settings = BanditSettings()
        settings.lambda = try SettingsStore.value("bandit.lambda", in: db).flatMap(Double.init) ?? settings.lambda
        settings.priorWeight = try SettingsStore.value("bandit.prior_weight", in: db).flatMap(Double.init) ?? settings.priorWeight
        settings.countries = try SettingsStore.value("bandit.countries", in: db).flatMap(Int.init) ?? settings.countries
        settings.regions = try SettingsStore.value("bandit.regions", in: db).flatMap(Int.init) ?? settings.regions
        for type in settings.rewards.keys {
            if let value = try SettingsStore.value("bandit.reward.\(type)", in: db).flatMap(Double.init) { settings.rewards[type] = value }
        }
        return settings
    }

    /// Checks a `bandit.*` setting; nil when `key` is not one.
    static func validate(_ key: String, _ value: String) throws(ShopSetting.Invalid) -> String? {
        switch key {
        case "bandit.lambda":
            guard let lambda = Double(value), lambda >= 0.001, lambda <= 1_000_000 else {
                throw ShopSetting.Invalid(description: "\(key): a ridge penalty, 0.001...1000000 (larger values learn more slowly)")
            }
            return String(lambda)
        case "bandit.prior_weight":
            guard let weight = Double(value), (0...100).contains(weight) else {
                throw ShopSetting.Invalid(description: "\(key): the prior weight on the model's order, 0...100")
            }
            return String(weight)
        case "bandit.countries", "bandit.regions":
            guard let count = Int(value), (0...20).contains(count) else {
                throw ShopSetting.Invalid(description: "\(key): how many of the shop's \(key.dropFirst(7)) get a context slot, 0...20")
            }
            return String(count)
        case "bandit.reward.click", "bandit.reward.add_to_cart", "bandit.reward.purchase":
            guard let reward = Double(value), (0...1000).contains(reward) else {
                throw ShopSetting.Invalid(description: "\(key): a reward, 0...1000")
            }
            return String(reward)
        default:
            return nil
        }
    }
}

/// What fixes a bandit version's features and prior, stored with it as JSON.
struct BanditConfig: Codable, Sendable, Equatable {
    var lambda: Double
    var priorWeight: Double
    /// The main countries, lower-cased, most frequent first: each has a context slot.
    var countries: [String]
    /// The live cluster segments' keys when the version started: each has a context slot.
    var segments: [String]
    /// The main regions, lower-cased, most frequent first: each has a context slot.
    var regions: [String]

    enum CodingKeys: String, CodingKey {
        case lambda, priorWeight = "prior_weight", countries, segments, regions
    }

    var layout: BanditFeatures { BanditFeatures(countryCount: countries.count, segmentCount: segments.count, regionCount: regions.count) }

    var json: String {
        JSONText.encode(["lambda": lambda, "prior_weight": priorWeight, "countries": countries, "segments": segments, "regions": regions])
    }

    init(lambda: Double, priorWeight: Double, countries: [String], segments: [String] = [], regions: [String] = []) {
        self.lambda = lambda
        self.priorWeight = priorWeight
        self.countries = countries
        self.segments = segments
        self.regions = regions
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lambda = try container.decode(Double.self, forKey: .lambda)
        priorWeight = try container.decode(Double.self, forKey: .priorWeight)
        countries = try container.decode([String].self, forKey: .countries)
        segments = try container.decodeIfPresent([String].self, forKey: .segments) ?? []
        regions = try container.decodeIfPresent([String].self, forKey: .regions) ?? []
    }

    init?(json: String) {
        guard let config = try? JSONDecoder().decode(BanditConfig.self, from: Data(json.utf8)) else { return nil }
        self = config
    }

    /// The state a version starts from.
    func freshState() -> LinearBanditState {
        let dimension = layout.dimension
        return LinearBanditState(
            dimension: dimension, lambda: lambda, priorMean: LinearBanditState.priorMean(dimension: dimension, rankWeight: priorWeight))
    }

    /// A stored version's state; nil when it does not fit its configuration.
    func state(of record: BanditVersionRecord) -> LinearBanditState? {
        let dimension = layout.dimension
        guard record.dimension == dimension else { return nil }
        return LinearBanditState(
            dimension: dimension, lambda: lambda, priorMean: LinearBanditState.priorMean(dimension: dimension, rankWeight: priorWeight),
            gram: record.gram, rewards: record.rewards, displays: record.displays, outcomes: record.outcomes,
            rewardTotal: record.rewardTotal)
    }
}
