/// One logged decision of a bandit: in one context, the behaviour policy put `action` in
/// `slot` with probability `propensity`, and `reward` followed. Off-policy evaluation asks what
/// another policy would have earned on the same traffic, and can only answer through the
/// propensity: a round whose propensity is wrong biases every estimate that uses it.
public struct BanditRound: Sendable, Equatable {
    public var timestampMs: Int64
    /// 0..<actionCount of the log.
    public var action: Int
    /// 0-based: the first slot is 0.
    public var slot: Int
    public var reward: Double
    /// The behaviour policy's probability of this action in this slot, in (0, 1].
    public var propensity: Double
    /// One value index (0..<contextValueCount of the log) per context field.
    public var context: [Int]

    public init(timestampMs: Int64, action: Int, slot: Int, reward: Double, propensity: Double, context: [Int]) {
        self.timestampMs = timestampMs
        self.action = action
        self.slot = slot
        self.reward = reward
        self.propensity = propensity
        self.context = context
    }
}

/// A bandit log as the estimators see it: rounds over a fixed set of actions and slots, with
/// categorical context, and optionally a numeric feature per round and action (the user-item
/// affinity of the Open Bandit Dataset) that a reward model may use.
public struct BanditLog: Sendable {
    public var rounds: [BanditRound]
    public var actionCount: Int
    public var slotCount: Int
    public var contextValueCount: Int
    /// Row-major rounds x actions when present.
    public var actionAffinity: [Float]?

    public init(rounds: [BanditRound], actionCount: Int, slotCount: Int, contextValueCount: Int, actionAffinity: [Float]? = nil) {
        precondition(actionAffinity == nil || actionAffinity!.count == rounds.count * actionCount, "one affinity per round and action")
        for round in rounds {
            precondition(round.action >= 0 && round.action < actionCount, "action outside the log's actions")
            precondition(round.slot >= 0 && round.slot < slotCount, "slot outside the log's slots")
            precondition(round.propensity > 0 && round.propensity <= 1, "a propensity is a probability above zero")
            precondition(round.context.allSatisfy { $0 >= 0 && $0 < contextValueCount }, "context value outside the log's values")
        }
        self.rounds = rounds
        self.actionCount = actionCount
        self.slotCount = slotCount
        self.contextValueCount = contextValueCount
        self.actionAffinity = actionAffinity
    }

    /// The mean reward: the behaviour policy's own value on this traffic.
    public var meanReward: Double {
        rounds.isEmpty ? 0 : rounds.reduce(0) { $0 + $1.reward } / Double(rounds.count)
    }

    @inline(__always)
    func affinity(round: Int, action: Int) -> Double {
        guard let actionAffinity else { return 0 }
        return Double(actionAffinity[round * actionCount + action])
    }
}
