import Foundation

/// The search's time budget: a multiple of one fit of the first configuration on all the
/// people (never under a floor of seconds), known once that configuration's first trial has run (its seconds divided by its share
/// of the people, as fits grow about linearly with the people they see). Before then nothing is
/// refused; after, a trial is started only if what has been spent plus its estimate fits.
///
/// Each configuration's cost is learned from its own first trial; one not yet tried is assumed to
/// cost what the last tried configuration of its algorithm did, or, before any, what the first
/// configuration did. A cost scales with the share of people, except for algorithms whose fit
/// does not follow the people (`AlgorithmSpec.fitTimeFollowsPeople`: EASE), which cost on a
/// ninth what they cost on everyone.
struct SearchClock {
    let started: Double
    /// The budget as a multiple of one fit; nil: no time limit.
    let multiple: Double?
    /// Seconds the budget never goes under.
    let floor: Double
    /// Seconds per share of the people (or per trial, where the fit does not follow the people),
    /// per configuration tried.
    private var perShare: [AlgorithmSpec: Double] = [:]
    /// The same of the algorithm's latest trial, for its configurations not yet tried.
    private var perAlgorithm: [String: Double] = [:]
    /// The first configuration's seconds per share: one full fit, the budget's unit.
    private(set) var oneFit: Double?
    /// Trials refused for time.
    var cut = 0

    init(started: Double, multiple: Double?, floor: Double = 0) {
        self.started = started
        self.multiple = multiple
        self.floor = floor
    }

    /// The budget in seconds, once one fit has been measured.
    var budgetSeconds: Double? {
        guard let multiple, let oneFit else { return nil }
        return max(multiple * oneFit, floor)
    }

    mutating func record(_ spec: AlgorithmSpec, seconds: Double, share: Double) {
        let rate = spec.fitTimeFollowsPeople ? seconds / max(share, 1e-9) : seconds
        if oneFit == nil { oneFit = rate }
        if perShare[spec] == nil { perShare[spec] = rate }
        perAlgorithm[spec.name] = rate
    }

    /// Seconds a trial of `spec` on `share` of the people is expected to take.
    func estimate(_ spec: AlgorithmSpec, share: Double) -> Double {
        if let rate = perShare[spec] ?? perAlgorithm[spec.name] { return spec.fitTimeFollowsPeople ? rate * share : rate }
        return (oneFit ?? 0) * share
    }

    /// Whether `seconds` more fit in the budget at `now`.
    func allows(_ seconds: Double, now: Double) -> Bool {
        guard let budget = budgetSeconds else { return true }
        return now - started + seconds <= budget
    }
}
