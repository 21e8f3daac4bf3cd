import Foundation

/// How much less often a place is looked at than the first, estimated from the items exploring
/// lists drew at random: a random draw is as good at any place, so its click rate at place p
/// against place 1 is the examination probability's ratio (the intervention behind Joachims et
/// al. 2017's propensity estimates). Click rates per place are noisy on a small shop's log, so
/// the ratios are smoothed by the power law e(p) = p^-eta of that paper, fitted by maximum
/// likelihood (a Poisson count per place, eta on a grid of 0.01 in [0, 3]).
public struct PositionBias: Sendable, Equatable, Codable {
    /// 0: every place is looked at alike.
    public var eta: Double
    /// The random draws and their outcomes the estimate rests on.
    public var draws: Int
    public var outcomes: Int

    public static let none = PositionBias(eta: 0, draws: 0, outcomes: 0)

    public init(eta: Double, draws: Int, outcomes: Int) {
        self.eta = eta
        self.draws = draws
        self.outcomes = outcomes
    }

    /// The examination probability of 1-based place `position` relative to the first.
    public func examination(atPosition position: Int) -> Double { pow(Double(max(1, position)), -eta) }

    /// The fit over places 1, 2, ... from random draws shown (`shown[p - 1]`) and those followed
    /// by an outcome (`clicked[p - 1]`). Nil when fewer than `minimumOutcomes` outcomes, or fewer
    /// than two places with draws, leave nothing to fit: the caller then corrects for nothing.
    public static func fit(shown: [Int], clicked: [Int], minimumOutcomes: Int = 30) -> PositionBias? {
        precondition(shown.count == clicked.count, "one count of outcomes per place")
        let outcomes = clicked.reduce(0, +)
        guard outcomes >= minimumOutcomes, shown.filter({ $0 > 0 }).count >= 2 else { return nil }
        func logLikelihood(_ eta: Double) -> Double {
            // For a given eta the rate c of place 1 that maximizes the likelihood is closed form.
            var exposure = 0.0
            for (index, count) in shown.enumerated() { exposure += Double(count) * pow(Double(index + 1), -eta) }
            let rate = Double(outcomes) / exposure
            var total = 0.0
            for (index, count) in shown.enumerated() where count > 0 {
                let expected = Double(count) * rate * pow(Double(index + 1), -eta)
                total += Double(clicked[index]) * log(expected) - expected
            }
            return total
        }
        var best = 0.0
        var bestValue = -Double.infinity
        for step in 0...300 {
            let eta = Double(step) / 100
            let value = logLikelihood(eta)
            if value > bestValue {
                bestValue = value
                best = eta
            }
        }
        return PositionBias(eta: best, draws: shown.reduce(0, +), outcomes: outcomes)
    }
}
