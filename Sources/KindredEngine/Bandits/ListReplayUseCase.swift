import Foundation
import KindredLearning
import KindredStore

/// A logged list decided again from its record: the same pool, context, settings and seed (its
/// request id), and for a bandit the state it was decided with, rebuilt from the impression log
/// and events up to the watermarks the list logged. A list whose replay differs from what was
/// shown has a wrong probability somewhere.
public struct ListReplay: Sendable, Equatable, Codable {
    public struct Place: Sendable, Equatable, Codable {
        public var itemID: String
        public var probability: Double
        public var explored: Bool
    }

    public var requestID: String
    public var surface: String
    public var policy: String
    public var banditVersion: Int64?
    public var logged: [Place]
    public var replayed: [Place]
    /// The same items in the same places with the same probabilities and exploration marks.
    public var reproduced: Bool
}

extension Engine {
    public func replayList(requestID: String) throws -> ListReplay {
        try database.writer.read { db in
            guard let list = try ContextualBanditStore.loggedList(requestID: requestID, in: db) else {
                throw RequestProblem(.notFound, code: "unknown_request", message: "no list was logged under request id '\(requestID)'", field: "request_id")
            }
            guard let text = list.exploration,
                let record = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                let pool = record["pool"] as? [String], let policyName = record["policy"] as? String,
                let policy = ExplorationSettings.Policy(rawValue: policyName)
            else {
                throw RequestProblem(
                    .conflict, code: "not_explored", message: "the list \(requestID) did not explore: its ranking was deterministic", field: "request_id")
            }
            let logged = try Self.loggedPlaces(list.items)
            let number = { (key: String) in (record[key] as? NSNumber)?.doubleValue }
            var settings = ExplorationSettings()
            settings.policy = policy
            settings.firstPosition = (record["first_position"] as? NSNumber)?.intValue ?? 1
            settings.epsilon = number("epsilon") ?? 0
            settings.temperature = number("temperature") ?? settings.temperature
            settings.alpha = number("alpha") ?? settings.alpha
            settings.scale = number("scale") ?? settings.scale
            settings.draws = (record["draws"] as? NSNumber)?.intValue ?? settings.draws
            let seed = EpsilonGreedySlate.seed(requestID: requestID)
            let slots: [SlateSlot]
            let version = (record["bandit_version"] as? NSNumber)?.int64Value
            if let bandit = settings.bandit {
                let config: BanditConfig
                var state: LinearBanditState
                if let version {
                    guard let stored = try ContextualBanditStore.version(version, in: db), let parsed = BanditConfig(json: stored.config) else {
                        throw RequestProblem(
                            .conflict, code: "bandit_gone", message: "bandit \(version), which decided the list \(requestID), is no longer stored")
                    }
                    guard let through = record["state_through"] as? [NSNumber], through.count == 2 else {
                        throw RequestProblem(
                            .conflict, code: "unreadable_record", message: "the exploration record of \(requestID) does not say what its bandit had learned")
                    }
                    config = parsed
                    state = config.freshState()
                    try Self.fold(
                        version: version, config: config, rewards: try BanditSettings.read(in: db).rewards, after: (0, 0),
                        through: (through[0].int64Value, through[1].int64Value), into: &state, in: db)
                } else {
                    // Decided by a prior not yet stored: the settings' lambda and prior weight then.
                    let settings = try BanditSettings.read(in: db)
                    config = BanditConfig(lambda: settings.lambda, priorWeight: settings.priorWeight, countries: [])
                    state = config.freshState()
                }
                guard let trace = LoggedBanditList(exploration: text, config: config), let estimate = state.estimate() else {
                    throw RequestProblem(.conflict, code: "unreadable_record", message: "the exploration record of \(requestID) cannot be read")
                }
                let arms = pool.indices.map { trace.layout.features(context: trace.context, arm: trace.facts[$0].arm(rank: $0)) }
                slots = bandit.decide(arms: arms, count: logged.count, estimate: estimate, seed: seed)
            } else {
                slots = EpsilonGreedySlate(epsilon: settings.epsilon, firstPosition: settings.firstPosition)
                    .decide(poolSize: pool.count, count: logged.count, seed: seed)
            }
            let replayed = slots.map { ListReplay.Place(itemID: pool[$0.poolIndex], probability: $0.probability, explored: $0.explored) }
            let reproduced = logged.count == replayed.count && zip(logged, replayed).allSatisfy { logged, replayed in
                logged.itemID == replayed.itemID && logged.explored == replayed.explored
                    && abs(logged.probability - replayed.probability) <= 1e-12 * max(1, logged.probability)
            }
            return ListReplay(
                requestID: requestID, surface: list.surface, policy: policy.rawValue, banditVersion: version, logged: logged, replayed: replayed,
                reproduced: reproduced)
        }
    }

    static func loggedPlaces(_ items: String) throws -> [ListReplay.Place] {
        guard let list = try JSONSerialization.jsonObject(with: Data(items.utf8)) as? [[String: Any]] else { return [] }
        return list.map { item in
            ListReplay.Place(
                itemID: item["item_id"] as? String ?? "", probability: (item["probability"] as? NSNumber)?.doubleValue ?? 1,
                explored: (item["explored"] as? NSNumber)?.boolValue ?? false)
        }
    }
}
