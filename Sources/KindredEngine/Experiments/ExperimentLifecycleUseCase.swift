import Foundation
import KindredStore

/// An experiment as `experiments list` and the admin API show it.
public struct ExperimentSummary: Sendable, Codable, Equatable {
    public struct Variant: Sendable, Codable, Equatable {
        public var name: String
        public var weight: Double
        public var strategy: String
        /// People served this variant's strategy at least once.
        public var exposed: Int
    }

    public var key: String
    public var name: String
    public var status: String
    public var surface: String
    public var layer: String
    public var trafficShare: Double
    public var targeting: ExperimentStore.Targeting
    public var variants: [Variant]
    public var createdAt: String
    public var startedAt: String?
    public var stoppedAt: String?
    public var shippedVariant: String?
}

/// The variant a person sees, as `GET /v1/users/{id}/experiments/{key}` answers.
public struct VariantAssignment: Sendable, Codable, Equatable {
    public var experiment: String
    /// Nil when the person is not in the experiment: they see what everyone saw before it.
    public var variant: String?
    public var assigned: Bool
    public var reason: String
}

extension Engine {
    /// Creates an experiment (started unless the definition says draft). Every variant's
    /// strategy must be servable now: a model version that exists, or an algorithm with a
    /// trained model (`kindred train --algorithm NAME --no-activate` trains one beside the
    /// active model; the CLI's create does it by itself). Audited.
    @discardableResult
    public func createExperiment(_ definition: ExperimentDefinition) throws -> ExperimentSummary {
        try definition.check()
        defer { experimentsCache.invalidate() }
        return try database.writer.write { db in
            guard try ExperimentStore.experiment(key: definition.key, in: db) == nil else {
                throw RequestProblem(.conflict, code: "experiment_exists", message: "an experiment '\(definition.key)' exists already", field: "key")
            }
            for variant in definition.variants { try requireServable(variant.strategy, surface: definition.surface, in: db) }
            for segment in definition.targeting.segment {
                guard try Int64.fetchOne(db, sql: "SELECT segment_pk FROM segments WHERE key = ?", arguments: [segment]) != nil else {
                    throw RequestProblem(.invalid, code: "invalid_field", message: "no segment '\(segment)'", field: "segment")
                }
            }
            let now = clock.now()
            var new = ExperimentStore.NewExperiment(
                key: definition.key, name: definition.name ?? definition.key,
                variants: definition.variants.map {
                    .init(name: $0.name, weight: $0.weight, strategy: $0.strategy == .default ? nil : $0.strategy.description)
                })
            new.surface = definition.surface
            new.layer = definition.layer
            new.trafficShare = definition.trafficShare
            new.targeting = ExperimentStore.Targeting(
                device: definition.targeting.device, country: definition.targeting.country.map { $0.uppercased() },
                segment: definition.targeting.segment)
            let pk = try ExperimentStore.create(new, in: db, nowMs: now)
            try AuditLog.append(
                action: "experiment_create", actor: actor,
                details: [
                    "key": definition.key,
                    "variants": definition.variants.map { "\($0.name)=\($0.strategy):\($0.weight)" }.joined(separator: ","),
                    "surface": definition.surface, "layer": definition.layer, "traffic_share": definition.trafficShare,
                ], in: db, nowMs: now)
            if definition.start { try start(experimentPK: pk, key: definition.key, in: db) }
            return try summary(key: definition.key, in: db)
        }
    }

    /// The short form the first CLI and the tests used: variants with weights, all default.
    public func createExperiment(key: String, name: String? = nil, variants: [ExperimentStore.Variant]) throws {
        try createExperiment(
            ExperimentDefinition(key: key, name: name, variants: variants.map { .init(name: $0.name, weight: $0.weight) }))
    }

    /// Starts a draft: gives it a free slice of its layer. Audited.
    @discardableResult
    public func startExperiment(key: String) throws -> ExperimentSummary {
        defer { experimentsCache.invalidate() }
        return try database.writer.write { db in
            let experiment = try existing(key, in: db)
            guard experiment.status == "draft" else {
                throw RequestProblem(
                    .conflict, code: "experiment_not_draft",
                    message: "'\(key)' is \(experiment.status); only a draft starts (a stopped experiment keeps its data and report)",
                    field: "key")
            }
            for variant in experiment.variants { try requireServable(ServingStrategy.of(variant), surface: experiment.surface, in: db) }
            try start(experimentPK: experiment.experimentPK, key: key, in: db)
            return try summary(key: key, in: db)
        }
    }

    /// Stops a running experiment: everyone gets the default again; its data and report stay.
    @discardableResult
    public func stopExperiment(key: String) throws -> ExperimentSummary {
        defer { experimentsCache.invalidate() }
        return try database.writer.write { db in
            let experiment = try existing(key, in: db)
            guard experiment.status == "running" else {
                throw RequestProblem(.conflict, code: "experiment_not_running", message: "'\(key)' is \(experiment.status), not running", field: "key")
            }
            let now = clock.now()
            try ExperimentStore.stop(experimentPK: experiment.experimentPK, shippedVariant: nil, in: db, nowMs: now)
            try AuditLog.append(action: "experiment_stop", actor: actor, details: ["key": key], in: db, nowMs: now)
            return try summary(key: key, in: db)
        }
    }

    /// Makes a variant's strategy what everyone gets: its model becomes the active one
    /// (`default` changes nothing). Stops the experiment if it runs. Audited, with the version.
    @discardableResult
    public func shipExperiment(key: String, variant name: String) throws -> ExperimentSummary {
        // A shipped exploration strategy changes settings: serving reads them afresh.
        defer {
            servingSettingsCache.invalidate()
            bandits.invalidate()
        }
        let summary = try database.writer.write { db -> ExperimentSummary in
            let experiment = try existing(key, in: db)
            guard experiment.status != "draft" else {
                throw RequestProblem(.conflict, code: "experiment_not_started", message: "'\(key)' never ran; nothing to ship", field: "key")
            }
            if let shipped = experiment.shippedVariant {
                throw RequestProblem(.conflict, code: "experiment_shipped", message: "'\(key)' shipped '\(shipped)' already", field: "key")
            }
            guard let variant = experiment.variants.first(where: { $0.name == name }) else {
                throw RequestProblem(
                    .notFound, code: "unknown_variant",
                    message: "'\(key)' has no variant '\(name)'; it has \(experiment.variants.map(\.name).joined(separator: ", "))",
                    field: "variant")
            }
            let strategy = ServingStrategy.of(variant)
            let now = clock.now()
            var activated: Int64?
            if let version = try servedVersion(strategy, in: db) {
                if version != (try ModelRegistry.activeVersion(in: db)) {
                    try ModelRegistry.activate(version: version, reason: "shipped by experiment \(key), variant \(name)", nowMs: now, in: db)
                }
                activated = version
            } else if let layout = strategy.layout {
                try shipLayout(layout, surface: experiment.surface, nowMs: now, in: db)
            } else if case .exploration(let policy, let parameter) = strategy {
                try shipExploration(policy: policy, parameter: parameter, experiment: key, nowMs: now, in: db)
            } else if strategy != .default {
                throw RequestProblem(.conflict, code: "no_model", message: "no trained model serves \(strategy) any more", field: "variant")
            }
            try ExperimentStore.stop(experimentPK: experiment.experimentPK, shippedVariant: name, in: db, nowMs: experiment.stoppedMs ?? now)
            var details: [String: any Sendable] = ["key": key, "variant": name, "strategy": strategy.description]
            if let activated { details["activated_version"] = activated }
            try AuditLog.append(action: "experiment_ship", actor: actor, details: details, in: db, nowMs: now)
            return try self.summary(key: key, in: db)
        }
        servingCache.invalidate()
        experimentsCache.invalidate()
        return summary
    }

    /// Whether `algorithm:NAME` can serve now.
    public func hasServableModel(algorithm: String) throws -> Bool {
        try database.writer.read { db in try ModelRegistry.newestServable(algorithm: algorithm, in: db) != nil }
    }

    public func listExperiments() throws -> [ExperimentSummary] {
        try database.writer.read { db in try ExperimentStore.list(in: db).map { try summary(of: $0, in: db) } }
    }

    public func experiment(key: String) throws -> ExperimentSummary {
        try database.writer.read { db in try summary(key: key, in: db) }
    }

    /// The person's variant of a running experiment, recorded the first time it is asked for
    /// (serving records the exposure when the variant's strategy is first served). Only a
    /// caller who may act for the person is answered: an assignment is about them.
    public func assignVariant(
        experiment key: String, userID: String, device: String? = nil, country: String? = nil, caller: Caller = .owner
    ) throws -> VariantAssignment {
        try caller.requireActing(for: userID)
        let pseudonym = database.pseudonymizer.pseudonym(of: userID)
        return try database.writer.write { db in
            guard let experiment = try ExperimentStore.experiment(key: key, in: db), experiment.status == "running" else {
                throw RequestProblem(.notFound, code: "unknown_experiment", message: "no running experiment '\(key)'", field: "key")
            }
            let decision = try ConsentLookup.decision(pseudonym: pseudonym, purpose: "experiments", in: db)
            let permits = try ConsentPolicy.read(in: db).permits("experiments", decision: decision)
            guard permits else { return VariantAssignment(experiment: key, variant: nil, assigned: false, reason: "no experiments consent") }
            let userPK = try ExperimentStore.profile(pseudonym: pseudonym, in: db, nowMs: clock.now())
            let context = ExperimentMembership.Context(pseudonym: pseudonym, userPK: userPK, device: device, country: country)
            switch try ExperimentMembership.decide(experiment, context: context, consentPermits: true, in: db) {
            case .outside(let reason):
                return VariantAssignment(experiment: key, variant: nil, assigned: false, reason: reason)
            case .variant(let variant, recorded: true):
                return VariantAssignment(experiment: key, variant: variant, assigned: true, reason: "assigned before")
            case .variant(let variant, recorded: false):
                try ExperimentStore.assign(experimentPK: experiment.experimentPK, userPK: userPK, variant: variant, in: db, nowMs: clock.now())
                return VariantAssignment(experiment: key, variant: variant, assigned: true, reason: "assigned now")
            }
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

    /// A shipped layout becomes everyone's page: its blocks enabled and placed first in its
    /// order, the surface's other blocks turned off (`kindred blocks set` turns them back on).
    private func shipLayout(_ keys: [String], surface: String, nowMs: Int64, in db: StoreConnection) throws {
        for var block in try BlockStore.all(in: db) where block.surface == surface {
            if let index = keys.firstIndex(of: block.key) {
                block.position = index + 1
                block.enabled = true
            } else {
                block.enabled = false
            }
            try BlockStore.update(block, nowMs: nowMs, in: db)
        }
    }

    /// The model version a strategy serves now; nil for default (the active model, whatever it is).
    func servedVersion(_ strategy: ServingStrategy, in db: StoreConnection) throws -> Int64? {
        switch strategy {
        case .default: return nil
        case .algorithm(let name): return try ModelRegistry.newestServable(algorithm: name, in: db)
        case .model(let version): return try ModelRegistry.isServable(version: version, in: db) ? version : nil
        case .layout, .exploration: return nil
        }
    }

    /// Makes a shipped exploration strategy the surface's settings, audited like any setting,
    /// and starts the surface's bandit if the policy needs one.
    private func shipExploration(policy: String, parameter: Double?, experiment: String, nowMs: Int64, in db: StoreConnection) throws {
        var changes = [("exploration.recommendations.policy", policy)]
        if let parameter, let setting = ExplorationSettings.Policy(rawValue: policy)?.parameterSetting {
            changes.append(("exploration.recommendations.\(setting)", String(parameter)))
        }
        for (key, value) in changes {
            let previous = try SettingsStore.value(key, in: db)
            try SettingsStore.set(key, to: value, in: db, nowMs: nowMs)
            try AuditLog.append(
                action: "setting", actor: actor,
                details: ["key": key, "value": value, "previous": previous ?? "", "shipped_by": experiment], in: db, nowMs: nowMs)
        }
        if ExplorationSettings.Policy(rawValue: policy)?.usesBandit == true, try ContextualBanditStore.active(surface: "recommendations", in: db) == nil {
            try startBandit(surface: "recommendations", reason: "shipped by experiment \(experiment)", in: db, nowMs: nowMs)
        }
    }

    private func requireServable(_ strategy: ServingStrategy, surface: String, in db: StoreConnection) throws {
        switch strategy {
        case .default, .exploration:
            return
        case .algorithm(let name):
            guard try ModelRegistry.newestServable(algorithm: name, in: db) != nil else {
                throw RequestProblem(
                    .conflict, code: "no_model",
                    message: "no trained model of algorithm \(name); `kindred train --algorithm \(name) --no-activate` trains one beside the active model",
                    field: "variants")
            }
        case .model(let version):
            guard try ModelRegistry.isServable(version: version, in: db) else {
                throw RequestProblem(.conflict, code: "no_model", message: "model version \(version) was not trained or cannot serve", field: "variants")
            }
        case .layout(let keys):
            let blocks = try BlockStore.all(in: db)
            for key in keys {
                guard let block = blocks.first(where: { $0.key == key }) else {
                    throw RequestProblem(
                        .notFound, code: "unknown_block", message: "no block '\(key.prefix(64))' (see `kindred blocks list`)", field: "variants")
                }
                guard block.surface == surface else {
                    throw RequestProblem(
                        .invalid, code: "invalid_field",
                        message: "block '\(key)' is on the \(block.surface) page; this experiment decides the \(surface) page", field: "variants")
                }
            }
        }
    }

    private func existing(_ key: String, in db: StoreConnection) throws -> ExperimentStore.Experiment {
        guard let experiment = try ExperimentStore.experiment(key: key, in: db) else {
            throw RequestProblem(.notFound, code: "unknown_experiment", message: "no experiment '\(key)'", field: "key")
        }
        return experiment
    }

    private func start(experimentPK: Int64, key: String, in db: StoreConnection) throws {
        guard let experiment = try ExperimentStore.experiment(key: key, in: db) else { return }
        let taken = try ExperimentStore.running(in: db).filter { $0.layer == experiment.layer }
            .compactMap { other -> (from: Double, to: Double)? in
                guard let from = other.layerFrom, let to = other.layerTo else { return nil }
                return (from, to)
            }
        guard let slice = ExperimentMembership.slice(share: experiment.trafficShare, taken: taken) else {
            let free = 1 - taken.reduce(0) { $0 + ($1.to - $1.from) }
            throw RequestProblem(
                .conflict, code: "layer_full",
                message: "layer \(experiment.layer) has \(Int((free * 100).rounded(.down)))% of traffic free in one piece at most; \(key) asks for \(Int((experiment.trafficShare * 100).rounded()))%. Stop an experiment in it or use another --layer",
                field: "traffic_share")
        }
        let now = clock.now()
        try ExperimentStore.start(experimentPK: experimentPK, layerFrom: slice.from, layerTo: slice.to, in: db, nowMs: now)
        try AuditLog.append(
            action: "experiment_start", actor: actor,
            details: ["key": key, "layer": experiment.layer, "layer_from": slice.from, "layer_to": slice.to], in: db, nowMs: now)
    }

    private func summary(key: String, in db: StoreConnection) throws -> ExperimentSummary {
        try summary(of: try existing(key, in: db), in: db)
    }

    private func summary(of experiment: ExperimentStore.Experiment, in db: StoreConnection) throws -> ExperimentSummary {
        let exposed = try ExperimentStore.exposedCounts(experimentPK: experiment.experimentPK, in: db)
        func at(_ ms: Int64?) -> String? { ms.map { TimestampFormatter.iso8601(milliseconds: $0) } }
        return ExperimentSummary(
            key: experiment.key, name: experiment.name, status: experiment.status, surface: experiment.surface, layer: experiment.layer,
            trafficShare: experiment.trafficShare, targeting: experiment.targeting,
            variants: experiment.variants.map {
                .init(name: $0.name, weight: $0.weight, strategy: ServingStrategy.of($0).description, exposed: exposed[$0.name] ?? 0)
            }, createdAt: at(experiment.createdMs)!, startedAt: at(experiment.startedMs), stoppedAt: at(experiment.stoppedMs),
            shippedVariant: experiment.shippedVariant)
    }
}
