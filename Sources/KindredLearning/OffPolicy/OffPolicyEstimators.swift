import Foundation

/// Percentiles as numpy computes them by default (linear interpolation between order
/// statistics), for bootstrap intervals and quartiles.
public enum Percentile {
    /// The `q` quantile (0...1) of values sorted ascending; not empty.
    public static func linear(_ sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "a percentile of nothing")
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}

/// One estimator's estimate of a policy's value (its mean reward per round) with a confidence
/// interval.
public struct PolicyValueEstimate: Sendable, Equatable, Codable {
    public var value: Double
    public var ciLow: Double
    public var ciHigh: Double

    public init(value: Double, ciLow: Double, ciHigh: Double) {
        self.value = value
        self.ciLow = ciLow
        self.ciHigh = ciHigh
    }
}

/// How the intervals were made.
public enum PolicyValueInterval: Sendable, Equatable {
    /// The normal approximation: the mean of the per-round terms plus or minus z times their
    /// standard error (the delta method's for SNIPS).
    case asymptotic
    /// Percentiles of each estimator over resamples of the rounds drawn with replacement (the
    /// reward model held fixed, as Open Bandit Pipeline's bootstrap does).
    case bootstrap(resamples: Int, seed: UInt64)

    public var name: String {
        switch self {
        case .asymptotic: "asymptotic"
        case .bootstrap: "bootstrap"
        }
    }
}

/// The four standard off-policy estimates of one target policy on one log, and the diagnostics
/// that say when not to trust them.
public struct PolicyValueEstimates: Sendable, Equatable {
    /// Inverse propensity scoring: the mean of w r, with w = pi_target / pi_logged. Unbiased
    /// when every action the target takes had a chance in the log, and high in variance.
    public var ips: PolicyValueEstimate
    /// Self-normalized IPS: sum(w r) / sum(w). Slightly biased, far steadier with large weights.
    public var snips: PolicyValueEstimate
    /// The direct method: the reward model's expected reward under the target, averaged over
    /// rounds. Low in variance, as biased as the reward model.
    public var dm: PolicyValueEstimate
    /// Doubly robust: DM plus the IPS-weighted residual of the model on the logged action.
    /// Unbiased when either the propensities or the reward model are right.
    public var dr: PolicyValueEstimate
    /// Kish's effective sample size of the weights, (sum w)^2 / sum w^2: how many rounds the
    /// weighted estimates are worth. Far below the rounds, the IPS-based estimates rest on few.
    public var effectiveSampleSize: Double
    public var maxWeight: Double
    public var meanWeight: Double
    public var rounds: Int
    public var level: Double
    public var interval: PolicyValueInterval
}

/// Off-policy estimators as pure functions of per-round quantities, so that they can be checked
/// by hand and against Open Bandit Pipeline's documented formulas
/// (https://zr-obp.readthedocs.io/en/latest/estimators.html).
public enum OffPolicyEstimators {
    /// - Parameters:
    ///   - weights: pi_target(a_i | x_i) / pi_logged(a_i | x_i) per round.
    ///   - rewards: r_i.
    ///   - directTerms: the reward model's expected reward under the target in round i.
    ///   - loggedPredictions: the reward model's prediction for the logged action in round i.
    public static func estimate(
        weights: [Double], rewards: [Double], directTerms: [Double], loggedPredictions: [Double],
        interval: PolicyValueInterval, level: Double = 0.95
    ) -> PolicyValueEstimates {
        let n = weights.count
        precondition(n > 0 && rewards.count == n && directTerms.count == n && loggedPredictions.count == n, "one of each per round")
        let ipsTerms = (0..<n).map { weights[$0] * rewards[$0] }
        let drTerms = (0..<n).map { directTerms[$0] + weights[$0] * (rewards[$0] - loggedPredictions[$0]) }
        let weightSum = weights.reduce(0, +)
        let ipsValue = mean(ipsTerms)
        let snipsValue = weightSum > 0 ? ipsTerms.reduce(0, +) / weightSum : 0
        let dmValue = mean(directTerms)
        let drValue = mean(drTerms)
        let squareSum = weights.reduce(0) { $0 + $1 * $1 }

        let ips: PolicyValueEstimate
        let snips: PolicyValueEstimate
        let dm: PolicyValueEstimate
        let dr: PolicyValueEstimate
        switch interval {
        case .asymptotic:
            let z = Normal.quantile(1 - (1 - level) / 2)
            func normal(_ terms: [Double], _ value: Double) -> PolicyValueEstimate {
                let error = standardError(terms)
                return PolicyValueEstimate(value: value, ciLow: value - z * error, ciHigh: value + z * error)
            }
            ips = normal(ipsTerms, ipsValue)
            dm = normal(directTerms, dmValue)
            dr = normal(drTerms, drValue)
            // Delta method for a ratio of means: Var = sum w^2 (r - V)^2 / (sum w)^2.
            var spread = 0.0
            for i in 0..<n { spread += weights[i] * weights[i] * (rewards[i] - snipsValue) * (rewards[i] - snipsValue) }
            let snipsError = weightSum > 0 ? spread.squareRoot() / weightSum : 0
            snips = PolicyValueEstimate(value: snipsValue, ciLow: snipsValue - z * snipsError, ciHigh: snipsValue + z * snipsError)
        case .bootstrap(let resamples, let seed):
            precondition(resamples >= 2, "a bootstrap needs resamples")
            var generator = SeededGenerator(seed: seed)
            var draws = [[Double]](repeating: [], count: 4)
            for index in draws.indices { draws[index].reserveCapacity(resamples) }
            for _ in 0..<resamples {
                var ipsSum = 0.0, weightTotal = 0.0, dmSum = 0.0, drSum = 0.0
                for _ in 0..<n {
                    let i = generator.nextInt(below: n)
                    ipsSum += ipsTerms[i]
                    weightTotal += weights[i]
                    dmSum += directTerms[i]
                    drSum += drTerms[i]
                }
                draws[0].append(ipsSum / Double(n))
                draws[1].append(weightTotal > 0 ? ipsSum / weightTotal : 0)
                draws[2].append(dmSum / Double(n))
                draws[3].append(drSum / Double(n))
            }
            let lower = (1 - level) / 2
            func percentile(_ index: Int, _ value: Double) -> PolicyValueEstimate {
                let sorted = draws[index].sorted()
                return PolicyValueEstimate(
                    value: value, ciLow: quantile(sorted, lower), ciHigh: quantile(sorted, 1 - lower))
            }
            ips = percentile(0, ipsValue)
            snips = percentile(1, snipsValue)
            dm = percentile(2, dmValue)
            dr = percentile(3, drValue)
        }
        return PolicyValueEstimates(
            ips: ips, snips: snips, dm: dm, dr: dr,
            effectiveSampleSize: squareSum > 0 ? weightSum * weightSum / squareSum : 0,
            maxWeight: weights.max() ?? 0, meanWeight: weightSum / Double(n), rounds: n, level: level, interval: interval)
    }

    /// Evaluates `target` on `log`: weights from the log's propensities, direct terms and
    /// logged predictions from `model`.
    public static func evaluate(
        _ target: any TargetPolicy, on log: BanditLog, model: RewardModel, interval: PolicyValueInterval, level: Double = 0.95
    ) -> PolicyValueEstimates {
        let n = log.rounds.count
        var weights = [Double](repeating: 0, count: n)
        var rewards = [Double](repeating: 0, count: n)
        var directTerms = [Double](repeating: 0, count: n)
        var loggedPredictions = [Double](repeating: 0, count: n)
        for index in 0..<n {
            let round = log.rounds[index]
            weights[index] = target.probability(of: round.action, inRound: index, of: log) / round.propensity
            rewards[index] = round.reward
            directTerms[index] = target.expectation(inRound: index, of: log) { model.predict(round: index, action: $0, of: log) }
            loggedPredictions[index] = model.predict(round: index, action: round.action, of: log)
        }
        return estimate(
            weights: weights, rewards: rewards, directTerms: directTerms, loggedPredictions: loggedPredictions,
            interval: interval, level: level)
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    /// The standard error of the mean, with the n - 1 sample variance.
    static func standardError(_ values: [Double]) -> Double {
        let n = Double(values.count)
        guard values.count > 1 else { return 0 }
        let center = mean(values)
        let variance = values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / (n - 1)
        return (variance / n).squareRoot()
    }

    /// numpy's default (linear) percentile of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double { Percentile.linear(sorted, q) }
}
