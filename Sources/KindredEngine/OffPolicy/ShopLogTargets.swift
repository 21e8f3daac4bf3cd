import Foundation
import KindredLearning
import KindredStore

extension Engine {
    /// A configuration of the surface's contextual bandit as a target: each round's distribution
    /// is the bandit policy's over the round's candidates, from the features the list recorded
    /// (its context, and each pool item's rank, popularity, price band and category) and the
    /// state of the chosen version. Thompson sampling's is estimated from its posterior draws,
    /// seeded by the list's request id as serving seeds them, so that the report is reproducible.
    func banditTarget(
        name: String, parameter: Double?, version: Int64?, surface: String, shop: ShopBanditLog
    ) throws -> CandidateDistributionPolicy {
        var settings = try servingSettingsCache.value(nowMs: clock.now()) {
            try database.writer.read { db in try ServingSettings.read(in: db) }
        }.exploration(for: surface)
        settings.policy = ExplorationSettings.Policy(rawValue: name) ?? .contextual
        settings.firstPosition = 1
        if let parameter {
            switch settings.policy {
            case .softmax: settings.temperature = parameter
            case .linucb: settings.alpha = parameter
            case .thompson: settings.scale = parameter
            case .contextual, .epsilonGreedy: break
            }
        }
        let (record, bandit) = try database.writer.read { db in
            let record = try version.map { try ContextualBanditStore.version($0, in: db) } ?? ContextualBanditStore.active(surface: surface, in: db)
            return (record, try BanditSettings.read(in: db))
        }
        if let version, record == nil {
            throw RequestProblem(.notFound, code: "unknown_bandit", message: "no bandit version \(version)", field: "bandit_version")
        }
        let serving = ServingBandits.solve(record: record, settings: bandit)
        guard let policy = settings.bandit else { preconditionFailure("a bandit policy") }
        var arms: [Int: [[SparseFeature]]] = [:]
        var probabilities: [[Double]] = []
        probabilities.reserveCapacity(shop.log.rounds.count)
        for (round, list) in shop.roundList.enumerated() {
            let listArms: [[SparseFeature]]
            if let known = arms[list] {
                listArms = known
            } else {
                let record = shop.records[list]
                guard let logged = LoggedBanditList(exploration: record.exploration, config: serving.config) else {
                    throw RequestProblem(
                        .conflict, code: "unreadable_record", message: "the exploration record of \(record.requestID) cannot be read")
                }
                listArms = logged.pool.indices.map { logged.layout.features(context: logged.context, arm: logged.facts[$0].arm(rank: $0)) }
                arms = [list: listArms]
            }
            // The list's own seed: Thompson sampling's draws are then the very draws serving made.
            let seed = EpsilonGreedySlate.seed(requestID: shop.records[list].requestID)
            probabilities.append(policy.distribution(over: shop.remainingPool[round], arms: listArms, estimate: serving.estimate, seed: seed))
        }
        let name = "bandit:\(settings.policy.rawValue)" + (parameter.map { ":\($0)" } ?? "") + (serving.version.map { " (bandit \($0))" } ?? " (prior)")
        return CandidateDistributionPolicy(name: name, candidates: shop.candidates, probabilities: probabilities)
    }

    /// A model version as a target: at every place, the candidate it scores highest for the
    /// person (by what it learned of them; for a person it does not know, the non-personalized
    /// ranking it was trained with). Deterministic: probability 1 on that candidate.
    func modelTarget(version: Int64, shop: ShopBanditLog) throws -> CandidateDistributionPolicy {
        guard let serving = try database.writer.read({ db in try servingCache.model(version: version, in: db) }) else {
            throw RequestProblem(.notFound, code: "unknown_model", message: "no usable model version \(version)", field: "target")
        }
        var scoresOfList: (list: Int, scores: [Float])?
        var probabilities: [[Double]] = []
        probabilities.reserveCapacity(shop.log.rounds.count)
        for (round, list) in shop.roundList.enumerated() {
            let scores: [Float]
            if let held = scoresOfList, held.list == list {
                scores = held.scores
            } else {
                let record = shop.records[list]
                let history = UserHistory(userPK: record.userPK, newEvents: nil, serving: serving)
                var all = [Float]()
                if history.vector.isEmpty || serving.model is PopularityModel {
                    all = serving.nonPersonalizedBase
                } else {
                    let row = record.userPK.flatMap { serving.userIndex[$0] }.map(Int.init)
                    all = [Float](repeating: 0, count: serving.itemPKs.count)
                    serving.model.score(user: row, history: history.vector, into: &all)
                }
                scores = record.pool.map { id in serving.itemIndexByID[id].map { all[Int($0)] } ?? -.infinity }
                scoresOfList = (list, scores)
            }
            let candidates = shop.remainingPool[round]
            var best = candidates[0]
            for candidate in candidates where scores[candidate] > scores[best] { best = candidate }
            probabilities.append(candidates.map { $0 == best ? 1 : 0 })
        }
        return CandidateDistributionPolicy(name: "model:\(version)", candidates: shop.candidates, probabilities: probabilities)
    }
}
