import Foundation
import KindredStore

/// The settings a shop may change, with what each accepts: a typo is refused, not stored.
public enum ShopSetting {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Checks a key and value; returns the value as it is stored.
    static func validate(_ key: String, _ value: String, purposes: [String]) throws(Invalid) -> String {
        let value = value.trimmingCharacters(in: .whitespaces)
        if key.hasPrefix("consent."), purposes.contains(String(key.dropFirst("consent.".count))) {
            guard let mode = ConsentMode(rawValue: value.lowercased()) else { throw Invalid(description: "\(key): use opt-in or opt-out") }
            return mode.rawValue
        }
        if key.hasPrefix("exploration.") {
            let parts = key.split(separator: ".").map(String.init)
            if parts.count == 3, ServingSettings.explorationSurfaces.contains(parts[1]) {
                return try exploration(key, parts[2], value)
            }
        }
        if let stored = try BanditSettings.validate(key, value) { return stored }
        if let stored = try SearchBudget.validate(key, value) { return stored }
        switch key {
        case "consent.events_without_analytics":
            guard let choice = EventsWithoutAnalytics(rawValue: value.lowercased()) else {
                throw Invalid(description: "\(key): use anonymize or drop")
            }
            return choice.rawValue
        case "consent.purposes":
            let list = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
            guard !list.isEmpty, list.allSatisfy({ $0.allSatisfy { $0.isLetter || $0 == "_" } }) else {
                throw Invalid(description: "\(key): a comma-separated list of purpose names (letters and _)")
            }
            return list.joined(separator: ",")
        case "retention.events_days":
            guard let days = Int(value), (0...36500).contains(days) else {
                throw Invalid(description: "\(key): a number of days, 0...36500 (0 keeps events forever)")
            }
            return String(days)
        case "segments.refresh_seconds":
            guard let seconds = Int(value), (0...86400).contains(seconds) else {
                throw Invalid(description: "\(key): a number of seconds, 0...86400 (0 stops the server's segment updates)")
            }
            return String(seconds)
        case "serving.diversity":
            guard let lambda = Double(value), (0...1).contains(lambda) else {
                throw Invalid(description: "\(key): a trade-off 0...1 (1 ranks by relevance alone; lower values favour variety)")
            }
            return String(lambda)
        case "serving.long_tail_share":
            guard let share = Double(value), (0...1).contains(share) else {
                throw Invalid(description: "\(key): a share 0...1 of long-tail items every list holds at least (0: no quota)")
            }
            return String(share)
        case "serving.exclude_seen.recommendations", "serving.exclude_seen.pages":
            guard value == "on" || value == "off" else {
                throw Invalid(
                    description: "\(key): on or off (whether the surface's lists leave out what the person viewed, rated or bought)")
            }
            return value
        case "serving.ranker":
            guard value == "on" || value == "off" else {
                throw Invalid(description: "\(key): on or off (whether personalized lists go through the active model's learned ranker)")
            }
            return value
        case "serving.max_per_category", "serving.max_per_brand":
            guard let cap = Int(value), (0...1000).contains(cap) else {
                throw Invalid(description: "\(key): a number of items, 0...1000 (0: no cap)")
            }
            return String(cap)
        case "models.max_exposure_gini":
            guard let limit = Double(value), (0...1).contains(limit) else {
                throw Invalid(description: "\(key): a Gini index 0...1 above which a model is not activated (1: no limit)")
            }
            return String(limit)
        case "models.max_ndcg_gap":
            guard let limit = Double(value), (0...1).contains(limit) else {
                throw Invalid(
                    description:
                        "\(key): an NDCG difference 0...1 between groups of people above which a model is not activated (1: no limit)")
            }
            return String(limit)
        case "models.activation_margin":
            guard let margin = Double(value), (0...1).contains(margin) else { throw Invalid(description: "\(key): a fraction, 0...1") }
            return String(margin)
        default:
            let known =
                purposes.map { "consent.\($0)" } + [
                    "consent.events_without_analytics", "consent.purposes", "retention.events_days", "models.activation_margin",
                    "segments.refresh_seconds",
                ] + SearchBudget.keys + BiasGate.keys + ServingSettings.keys + BanditSettings.keys
            throw Invalid(description: "unknown setting '\(key)' (settings a shop may change: \(known.joined(separator: ", ")))")
        }
    }
}

extension ShopSetting {
    /// `exploration.<surface>.<name>`.
    static func exploration(_ key: String, _ name: String, _ value: String) throws(Invalid) -> String {
        switch name {
        case "epsilon":
            guard let epsilon = Double(value), (0...1).contains(epsilon) else {
                throw Invalid(description: "\(key): a probability 0...1 (0: displayed lists never explore)")
            }
            return String(epsilon)
        case "first_position":
            guard let position = Int(value), (1...1000).contains(position) else {
                throw Invalid(description: "\(key): a position, 1...1000 (places before it always take the model's choice)")
            }
            return String(position)
        case "pool":
            guard let pool = Int(value), (1...1000).contains(pool) else {
                throw Invalid(description: "\(key): a number of items past the list that exploration draws from, 1...1000")
            }
            return String(pool)
        case "policy":
            guard let policy = ExplorationSettings.Policy(rawValue: value.lowercased()) else {
                let names = ExplorationSettings.Policy.allCases.map(\.rawValue).joined(separator: ", ")
                throw Invalid(description: "\(key): one of \(names)")
            }
            return policy.rawValue
        case "temperature":
            guard let temperature = Double(value), temperature >= 0.0001, temperature <= 100 else {
                throw Invalid(description: "\(key): a softmax temperature, 0.0001...100 (lower values keep closer to the best guess)")
            }
            return String(temperature)
        case "alpha", "scale":
            guard let width = Double(value), (0...100).contains(width) else {
                throw Invalid(description: "\(key): a multiple of the bandit's uncertainty, 0...100 (0: no exploration)")
            }
            return String(width)
        case "draws":
            guard let draws = Int(value), (1...10_000).contains(draws) else {
                throw Invalid(description: "\(key): posterior draws that estimate Thompson sampling's probabilities, 1...10000")
            }
            return String(draws)
        default:
            throw Invalid(
                description:
                    "unknown setting '\(key)' (exploration settings: \(ExplorationSettings.defaults.map(\.key).joined(separator: ", ")))")
        }
    }
}

extension Engine {
    /// Every setting with its value, including the defaults of those never set.
    public func settings() throws -> [(key: String, value: String, isDefault: Bool)] {
        try database.writer.read { db in
            let stored = Dictionary(try SettingsStore.all(in: db).map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            let purposes = try ConsentSettings.purposes(in: db)
            var defaults: [String: String] = [
                "consent.events_without_analytics": EventsWithoutAnalytics.anonymize.rawValue,
                "consent.purposes": ConsentSettings.defaultPurposes.joined(separator: ","),
                "retention.events_days": String(Retention.defaultEventsDays),
                "models.activation_margin": "0.05",
                "segments.refresh_seconds": "60",
            ].merging(ServingSettings.defaults) { first, _ in first }.merging(BiasGate.defaults) { first, _ in first }
                .merging(SearchBudget.defaults) { first, _ in first }
                .merging(BanditSettings.defaults.map { ($0.key, $0.value) }) { first, _ in first }
            for purpose in purposes { defaults["consent.\(purpose)"] = ConsentPolicy.defaultMode.rawValue }
            let keys = Set(stored.keys).union(defaults.keys).sorted()
            return keys.map { key in (key, stored[key] ?? defaults[key]!, stored[key] == nil) }
        }
    }

    /// Changes a setting after checking it; recorded in the audit log.
    public func setSetting(_ key: String, to value: String) throws -> String {
        defer {
            servingSettingsCache.invalidate()
            bandits.invalidate()
        }
        return try database.writer.write { db in
            let purposes = try ConsentSettings.purposes(in: db)
            let stored: String
            do {
                stored = try ShopSetting.validate(key, value, purposes: purposes)
            } catch let invalid as ShopSetting.Invalid {
                throw RequestProblem(.invalid, code: "invalid_setting", message: invalid.description, field: key)
            }
            let previous = try SettingsStore.value(key, in: db)
            let now = clock.now()
            try SettingsStore.set(key, to: stored, in: db, nowMs: now)
            try AuditLog.append(
                action: "setting", actor: actor, details: ["key": key, "value": stored, "previous": previous ?? ""], in: db, nowMs: now)
            // A surface that turns to its bandit gets a version at once, so that its first lists
            // are learned from.
            if key.hasPrefix("exploration."), key.hasSuffix(".policy"), ExplorationSettings.Policy(rawValue: stored)?.usesBandit == true {
                let surface = key.split(separator: ".")[1]
                if try ContextualBanditStore.active(surface: String(surface), in: db) == nil {
                    try startBandit(surface: String(surface), reason: "policy \(stored)", in: db, nowMs: now)
                }
            }
            return stored
        }
    }
}

extension Engine {
    /// How often `kindred serve` brings segments up to date (`segments.refresh_seconds`, default 60).
    public func segmentRefreshSeconds() throws -> Int? {
        try database.writer.read { db in try SettingsStore.value("segments.refresh_seconds", in: db).flatMap(Int.init) ?? 60 }
    }
}
