import KindredStore

/// Whether a person is in a running experiment, and in which variant: the one rule that the
/// assignment route and serving share.
///
/// A person is in an experiment when the consent policy lets them be processed for
/// experiments, they match its targeting, and their point in its layer (a hash of the layer and
/// their pseudonym) falls in its slice. Experiments in one layer have disjoint slices, so they
/// never share a person; layers are independent of each other. The variant is drawn by weight
/// from a second hash (of the experiment and the pseudonym), so it is the same every time, and
/// an assignment recorded earlier is kept.
enum ExperimentMembership {
    struct Context {
        var pseudonym: String
        var userPK: Int64?
        var device: String?
        var country: String?
    }

    enum Decision: Equatable {
        case variant(String, recorded: Bool)
        case outside(reason: String)
    }

    static func decide(
        _ experiment: ExperimentStore.Experiment, context: Context, consentPermits: Bool, in db: StoreConnection
    ) throws -> Decision {
        guard consentPermits else { return .outside(reason: "no experiments consent") }
        let targeting = experiment.targeting
        if !targeting.device.isEmpty {
            guard let device = context.device, targeting.device.contains(device) else {
                return .outside(reason: "targets devices \(targeting.device.joined(separator: ", "))")
            }
        }
        if !targeting.country.isEmpty {
            guard let country = context.country?.uppercased(), targeting.country.contains(country) else {
                return .outside(reason: "targets countries \(targeting.country.joined(separator: ", "))")
            }
        }
        if !targeting.segment.isEmpty {
            guard let userPK = context.userPK, try ExperimentStore.isMember(userPK: userPK, ofAnySegment: targeting.segment, in: db) else {
                return .outside(reason: "targets segments \(targeting.segment.joined(separator: ", "))")
            }
        }
        let point = ExperimentStore.point(experiment: "layer:" + experiment.layer, pseudonym: context.pseudonym)
        guard let from = experiment.layerFrom, let to = experiment.layerTo, point >= from, point < to else {
            return .outside(reason: "outside the experiment's \(Int((experiment.trafficShare * 100).rounded()))% of layer \(experiment.layer)")
        }
        if let userPK = context.userPK, let recorded = try ExperimentStore.assignment(experimentPK: experiment.experimentPK, userPK: userPK, in: db) {
            return .variant(recorded, recorded: true)
        }
        return .variant(Engine.draw(experiment.variants, key: experiment.key, pseudonym: context.pseudonym), recorded: false)
    }

    /// A free slice of `share` in the layer, beside the slices of its running experiments:
    /// the first gap wide enough, or nil when the layer is too full.
    static func slice(share: Double, taken: [(from: Double, to: Double)]) -> (from: Double, to: Double)? {
        var cursor = 0.0
        for range in taken.sorted(by: { $0.from < $1.from }) {
            if range.from - cursor >= share - 1e-12 { return (cursor, min(1, cursor + share)) }
            cursor = max(cursor, range.to)
        }
        return 1 - cursor >= share - 1e-12 ? (cursor, min(1, cursor + share)) : nil
    }
}
