import Foundation
import KindredStore

/// Which variant of an experiment a person sees, if any.
public struct VariantAssignment: Sendable, Codable, Equatable {
    public var experiment: String
    /// Nil when the person is not in the experiment: they see what everyone saw before it.
    public var variant: String?
    public var assigned: Bool
    public var reason: String
}

extension Engine {
    /// Starts an A/B test: variants with their shares of traffic. Audited.
    public func createExperiment(key: String, name: String? = nil, variants: [ExperimentStore.Variant]) throws {
        guard !key.isEmpty, key.count <= 64, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw RequestProblem(
                .invalid, code: "invalid_field", message: "an experiment key has 1 to 64 letters, digits, - or _", field: "key")
        }
        guard variants.count >= 2, Set(variants.map(\.name)).count == variants.count,
            variants.allSatisfy({ $0.weight > 0 && !$0.name.isEmpty })
        else {
            throw RequestProblem(
                .invalid, code: "invalid_field", message: "at least two variants with distinct names and positive weights",
                field: "variants")
        }
        try database.writer.write { db in
            guard try ExperimentStore.experiment(key: key, in: db) == nil else {
                throw RequestProblem(.conflict, code: "experiment_exists", message: "an experiment '\(key)' exists already", field: "key")
            }
            let now = clock.now()
            try ExperimentStore.create(key: key, name: name ?? key, variants: variants, in: db, nowMs: now)
            try AuditLog.append(
                action: "experiment_create", actor: actor,
                details: ["key": key, "variants": variants.map { "\($0.name):\($0.weight)" }.joined(separator: ",")], in: db, nowMs: now)
        }
    }

    /// The person's variant of a running experiment: the same every time (the first
    /// assignment is recorded), drawn by weight from a hash of the experiment and their
    /// pseudonym. Only people who may be processed for experiments are assigned: for anyone
    /// else nothing is recorded and the answer is "not in the experiment". Only a caller who may
    /// act for the person is answered: an assignment is about them.
    public func assignVariant(experiment key: String, userID: String, caller: Caller = .owner) throws -> VariantAssignment {
        try caller.requireActing(for: userID)
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        return try database.writer.write { db in
            guard let experiment = try ExperimentStore.experiment(key: key, in: db), experiment.status == "running" else {
                throw RequestProblem(.notFound, code: "unknown_experiment", message: "no running experiment '\(key)'", field: "key")
            }
            let decision = try ConsentLookup.decision(pseudonym: pseudonym, purpose: "experiments", in: db)
            guard try ConsentPolicy.read(in: db).permits("experiments", decision: decision) else {
                return VariantAssignment(experiment: key, variant: nil, assigned: false, reason: "no experiments consent")
            }
            let userPK = try ExperimentStore.profile(pseudonym: pseudonym, in: db, nowMs: clock.now())
            if let variant = try ExperimentStore.assignment(experimentPK: experiment.experimentPK, userPK: userPK, in: db) {
                return VariantAssignment(experiment: key, variant: variant, assigned: true, reason: "assigned before")
            }
            let variant = Self.draw(experiment.variants, key: key, pseudonym: pseudonym)
            try ExperimentStore.assign(experimentPK: experiment.experimentPK, userPK: userPK, variant: variant, in: db, nowMs: clock.now())
            return VariantAssignment(experiment: key, variant: variant, assigned: true, reason: "assigned now")
        }
    }

    /// The person's point in [0, 1) for this experiment, mapped onto the variants' cumulative
    /// weights: stable, and independent across experiments.
    static func draw(_ variants: [ExperimentStore.Variant], key: String, pseudonym: String) -> String {
        let point = ExperimentStore.point(experiment: key, pseudonym: pseudonym) * variants.reduce(0) { $0 + $1.weight }
        var cumulative = 0.0
        for variant in variants {
            cumulative += variant.weight
            if point < cumulative { return variant.name }
        }
        return variants[variants.count - 1].name
    }
}
