/// A policy whose value off-policy evaluation estimates: it must say how likely it would have
/// been to put the logged action in the logged slot (for the importance weight), and what it
/// would have earned on average in that round under a reward model (for the direct method).
public protocol TargetPolicy: Sendable {
    /// How reports name it.
    var name: String { get }
    /// pi(action | the round's context and slot).
    func probability(of action: Int, inRound index: Int, of log: BanditLog) -> Double
    /// The expectation of `reward(action)` over this policy's choice for the round's slot.
    func expectation(inRound index: Int, of log: BanditLog, reward: (Int) -> Double) -> Double
}

/// Every action equally likely in every slot: the policy of a uniform-random log, and the
/// baseline any learned policy should beat.
public struct UniformPolicy: TargetPolicy {
    public let actionCount: Int
    public var name: String { "uniform" }

    public init(actionCount: Int) {
        precondition(actionCount > 0, "a policy needs an action")
        self.actionCount = actionCount
    }

    public func probability(of action: Int, inRound index: Int, of log: BanditLog) -> Double {
        1 / Double(actionCount)
    }

    public func expectation(inRound index: Int, of log: BanditLog, reward: (Int) -> Double) -> Double {
        var sum = 0.0
        for action in 0..<actionCount { sum += reward(action) }
        return sum / Double(actionCount)
    }
}

/// The behaviour policy itself. Its weights are all 1, so IPS, SNIPS and DR return the log's
/// mean reward: a check that the pipeline is sound. Its full distribution is not known (only
/// the logged action's probability is), so the direct method uses the logged action as a draw
/// from it, which is unbiased for the policy's expected reward.
public struct LoggedPolicy: TargetPolicy {
    public var name: String { "logged" }

    public init() {}

    public func probability(of action: Int, inRound index: Int, of log: BanditLog) -> Double {
        let round = log.rounds[index]
        return action == round.action ? round.propensity : 0
    }

    public func expectation(inRound index: Int, of log: BanditLog, reward: (Int) -> Double) -> Double {
        reward(log.rounds[index].action)
    }
}

/// A context-free policy that changes over time (a Bernoulli Thompson sampler updated in
/// batches), known only through the propensities another log recorded for it. For a slot at a
/// time, each action's recorded probability is the one recorded nearest before that time for
/// that action and slot (the first after, when there is none before; 0 for a pair never
/// recorded), and the policy's distribution is those values normalized to sum to 1.
///
/// Normalizing matters: a log records an action's probability only when the action was shown,
/// which is when that probability was high, so the last recorded values of all actions sum to
/// more than 1 (about 1.4 to 2 per position in the Open Bandit Dataset's Thompson sampling log).
/// `recordedMass` reports the sum before normalizing, so that a report can say how far the
/// records were from a distribution.
public struct PropensityTimelinePolicy: TargetPolicy {
    public let name: String
    let actionCount: Int
    let slotCount: Int
    /// Per slot and action: (time, probability) sorted by time.
    let timelines: [[(timestampMs: Int64, probability: Double)]]

    /// `source` is the log whose behaviour policy this is, its actions numbered as in the
    /// evaluated log.
    public init(name: String, source: BanditLog) {
        self.name = name
        actionCount = source.actionCount
        slotCount = source.slotCount
        var timelines = [[(timestampMs: Int64, probability: Double)]](repeating: [], count: source.actionCount * source.slotCount)
        for round in source.rounds {
            timelines[round.slot * source.actionCount + round.action].append((round.timestampMs, round.propensity))
        }
        for index in timelines.indices { timelines[index].sort { $0.timestampMs < $1.timestampMs } }
        self.timelines = timelines
    }

    /// The probability last recorded for the action in the slot at the time, not normalized.
    func recorded(action: Int, slot: Int, at timestampMs: Int64) -> Double {
        guard action < actionCount, slot < slotCount else { return 0 }
        let timeline = timelines[slot * actionCount + action]
        guard !timeline.isEmpty else { return 0 }
        // The last record at or before the time.
        var low = 0
        var high = timeline.count
        while low < high {
            let middle = (low + high) / 2
            if timeline[middle].timestampMs <= timestampMs { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? timeline[0].probability : timeline[low - 1].probability
    }

    /// The sum of the recorded probabilities of every action for the round's slot at its time.
    public func recordedMass(inRound index: Int, of log: BanditLog) -> Double {
        let round = log.rounds[index]
        var sum = 0.0
        for action in 0..<actionCount { sum += recorded(action: action, slot: round.slot, at: round.timestampMs) }
        return sum
    }

    public func probability(of action: Int, inRound index: Int, of log: BanditLog) -> Double {
        let round = log.rounds[index]
        let mass = recordedMass(inRound: index, of: log)
        return mass > 0 ? recorded(action: action, slot: round.slot, at: round.timestampMs) / mass : 0
    }

    public func expectation(inRound index: Int, of log: BanditLog, reward: (Int) -> Double) -> Double {
        let round = log.rounds[index]
        var sum = 0.0
        var mass = 0.0
        for action in 0..<min(actionCount, log.actionCount) {
            let p = recorded(action: action, slot: round.slot, at: round.timestampMs)
            if p > 0 {
                sum += p * reward(action)
                mass += p
            }
        }
        return mass > 0 ? sum / mass : 0
    }
}

/// Epsilon-greedy over each round's own candidates, as Kindred's exploring lists choose: with
/// probability 1 - epsilon the round's best remaining candidate (the model's choice), otherwise
/// one of its remaining candidates uniformly. Epsilon 0 is the model alone (`greedy`), 1 the
/// uniform draw over the candidates (`uniform`). Evaluated place by place: each place is a
/// round whose candidates are the ranked pool less what the logged list placed before it.
public struct EpsilonGreedyOverCandidates: TargetPolicy {
    public let epsilon: Double
    /// Per round: the candidates still unplaced, best first.
    let candidates: [[Int]]

    public init(epsilon: Double, candidates: [[Int]]) {
        precondition((0...1).contains(epsilon), "epsilon is a probability")
        self.epsilon = epsilon
        self.candidates = candidates
    }

    public var name: String {
        epsilon == 0 ? "greedy" : epsilon == 1 ? "uniform" : "epsilon:\(epsilon)"
    }

    public func probability(of action: Int, inRound index: Int, of log: BanditLog) -> Double {
        let round = candidates[index]
        guard let best = round.first, round.contains(action) else { return 0 }
        return EpsilonGreedySlate.probability(isBest: action == best, remaining: round.count, epsilon: epsilon)
    }

    public func expectation(inRound index: Int, of log: BanditLog, reward: (Int) -> Double) -> Double {
        let round = candidates[index]
        guard let best = round.first else { return 0 }
        var uniform = 0.0
        if epsilon > 0 {
            for action in round { uniform += reward(action) }
            uniform /= Double(round.count)
        }
        return (1 - epsilon) * (epsilon < 1 ? reward(best) : 0) + epsilon * uniform
    }
}

/// A policy known by its distribution over each round's candidates, worked out by the caller:
/// a contextual bandit over the features the log kept, or another model's choice. Each round's
/// probabilities are over its own candidates and sum to 1; an action that is not a candidate
/// has probability 0.
public struct CandidateDistributionPolicy: TargetPolicy {
    public let name: String
    let candidates: [[Int]]
    let probabilities: [[Double]]

    public init(name: String, candidates: [[Int]], probabilities: [[Double]]) {
        precondition(candidates.count == probabilities.count, "one distribution per round")
        precondition(zip(candidates, probabilities).allSatisfy { $0.count == $1.count }, "one probability per candidate")
        self.name = name
        self.candidates = candidates
        self.probabilities = probabilities
    }

    public func probability(of action: Int, inRound index: Int, of log: BanditLog) -> Double {
        guard let position = candidates[index].firstIndex(of: action) else { return 0 }
        return probabilities[index][position]
    }

    public func expectation(inRound index: Int, of log: BanditLog, reward: (Int) -> Double) -> Double {
        var sum = 0.0
        for (action, p) in zip(candidates[index], probabilities[index]) where p > 0 { sum += p * reward(action) }
        return sum
    }
}
