import Foundation
import KindredLearning
import KindredStore

/// The exploration stage of a displayed list: from a ranked pool (the list and the items past
/// it), the places of the list as the surface's policy fills them, each with the probability the
/// policy gave its item there and whether exploration placed it, and the record the impression
/// log keeps so that the decision can be replayed, learned from and used to evaluate other
/// policies: the policy and its settings, the pool, the request's context and, per pool item,
/// what a bandit knows of it.
enum ExplorationStage {
    static func run(
        pool: [Int], count: Int, settings: ExplorationSettings, bandit: ServingBandit?, seed: UInt64, context: BanditContextRecord,
        serving: ServingModel
    ) -> (slots: [SlateSlot], trace: ExplorationTrace) {
        let facts = pool.map { serving.banditFacts[$0] }
        var record = ExplorationRecordWriter()
        let slots: [SlateSlot]
        if let policy = settings.bandit, let bandit {
            let banditContext = context.context(bandit.config)
            let layout = bandit.config.layout
            let arms = facts.enumerated().map { layout.features(context: banditContext, arm: $0.element.arm(rank: $0.offset)) }
            slots = policy.decide(arms: arms, count: count, estimate: bandit.estimate, seed: seed)
            record.add("policy", settings.policy.rawValue)
            if let version = bandit.version {
                record.add("bandit_version", version)
                record.add("state_through", integers: [bandit.through.impressions, bandit.through.events])
            }
            switch policy.strategy {
            case .contextual: break
            case .softmax(let temperature): record.add("temperature", temperature)
            case .linUCB(let alpha): record.add("alpha", alpha)
            case .thompson(let scale, let draws):
                record.add("scale", scale)
                record.add("draws", draws)
            }
        } else {
            let policy = settings.epsilonGreedy ?? EpsilonGreedySlate(epsilon: 0, firstPosition: settings.firstPosition)
            slots = policy.decide(poolSize: pool.count, count: count, seed: seed)
            record.add("policy", ExplorationSettings.Policy.epsilonGreedy.rawValue)
            record.add("epsilon", policy.epsilon)
        }
        record.add("first_position", settings.firstPosition)
        record.add("context", context: context)
        record.add("pool", strings: pool.map { serving.itemID(of: $0) })
        record.add("arms", facts: facts)
        return (slots, ExplorationTrace(json: record.finished()))
    }
}

/// What an exploring list logs (the impressions' `exploration` column), as JSON.
struct ExplorationTrace: Sendable, Equatable {
    var json: String
}
