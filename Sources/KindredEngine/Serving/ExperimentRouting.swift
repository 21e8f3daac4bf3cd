import KindredStore

/// Which experiment, if any, decides a person's response, and what it serves.
struct ExperimentChoice: Sendable, Equatable {
    var experimentPK: Int64
    var experiment: String
    var variant: String
    /// The model version the variant's strategy serves; nil for the default (the active model).
    var version: Int64?
    var strategy: ServingStrategy = .default
}

extension Engine {
    /// The first running experiment on the surface (oldest start first) that has the person:
    /// only people the consent policy lets into experiments and whose events can be counted
    /// (analytics), and who have a profile (their first event filed), so that everyone an
    /// experiment serves is someone its report can measure. Everyone else is nil: the default,
    /// uncounted. A person can be in experiments of several layers; the first one decides the
    /// response and is the one exposed.
    func experimentChoice(surface: String, pseudonym: String, device: String?, country: String?) throws -> ExperimentChoice? {
        let running = try experimentsCache.running(surface: surface, nowMs: clock.now()) {
            try database.writer.read { db in try ExperimentStore.running(surface: surface, in: db) }
        }
        guard !running.isEmpty else { return nil }
        return try database.writer.read { db -> ExperimentChoice? in
            guard let userPK = try ServingQueries.userPK(pseudonym: pseudonym, in: db) else { return nil }
            let decisions = try ConsentLookup.decisions(userPK: userPK, in: db)
            let policy = try ConsentPolicy.read(in: db)
            guard policy.permits("experiments", decision: decisions["experiments"]),
                policy.permits("analytics", decision: decisions["analytics"])
            else { return nil }
            let context = ExperimentMembership.Context(
                pseudonym: pseudonym, userPK: userPK, device: device, country: country)
            for experiment in running {
                guard
                    case .variant(let name, _) = try ExperimentMembership.decide(experiment, context: context, consentPermits: true, in: db),
                    let variant = experiment.variants.first(where: { $0.name == name })
                else { continue }
                let strategy = ServingStrategy.of(variant)
                let version = try servedVersion(strategy, in: db)
                // A variant whose model is gone cannot be served as designed: nobody is exposed to it.
                if strategy.choosesModel, version == nil { return nil }
                return ExperimentChoice(
                    experimentPK: experiment.experimentPK, experiment: experiment.key, variant: name, version: version, strategy: strategy)
            }
            return nil
        }
    }
}
