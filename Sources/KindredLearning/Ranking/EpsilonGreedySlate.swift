/// Exploration over a ranked pool, slot by slot: in each slot that may explore, with
/// probability epsilon the item is drawn uniformly from the pool items not yet placed, and
/// otherwise it is the best of them (the model's choice). Slots before `firstPosition` always
/// take the model's choice.
///
/// Each placed item's probability is exact: (1 - epsilon) x [it is the best remaining] +
/// epsilon / (items remaining), which is what off-policy evaluation divides by. A slate's
/// probability is the product over its slots. Decisions come from a generator seeded by the
/// caller (from the request id), so a logged decision can be replayed: the same pool and seed
/// give the same slate and the same probabilities.
public struct EpsilonGreedySlate: Sendable, Equatable {
    public var epsilon: Double
    /// 1-based: the first position that may explore.
    public var firstPosition: Int

    public init(epsilon: Double, firstPosition: Int = 1) {
        precondition((0...1).contains(epsilon), "epsilon is a probability")
        precondition(firstPosition >= 1, "positions count from 1")
        self.epsilon = epsilon
        self.firstPosition = firstPosition
    }

    public typealias Slot = SlateSlot

    /// Fills `count` slots from a pool of `poolSize` items ranked best first.
    public func decide(poolSize: Int, count: Int, seed: UInt64) -> [Slot] {
        guard count > 0, poolSize > 0 else { return [] }
        var generator = SeededGenerator(seed: seed)
        var unplaced = Array(0..<poolSize)  // kept in rank order
        var slots: [Slot] = []
        slots.reserveCapacity(min(count, poolSize))
        for position in 1...min(count, poolSize) {
            let remaining = unplaced.count
            guard position >= firstPosition, epsilon > 0 else {
                slots.append(Slot(poolIndex: unplaced.removeFirst(), probability: 1, explored: false, remaining: remaining))
                continue
            }
            if generator.nextUnit() < epsilon {
                let drawn = generator.nextInt(below: remaining)
                let item = unplaced.remove(at: drawn)
                let probability = Self.probability(isBest: drawn == 0, remaining: remaining, epsilon: epsilon)
                slots.append(Slot(poolIndex: item, probability: probability, explored: true, remaining: remaining))
            } else {
                let probability = Self.probability(isBest: true, remaining: remaining, epsilon: epsilon)
                slots.append(Slot(poolIndex: unplaced.removeFirst(), probability: probability, explored: false, remaining: remaining))
            }
        }
        return slots
    }

    /// The probability epsilon-greedy gives an item when `remaining` items are unplaced:
    /// (1 - epsilon) x [it is the best of them] + epsilon / remaining. Shared by serving, which
    /// logs it, and by off-policy evaluation, which computes it for other epsilons.
    public static func probability(isBest: Bool, remaining: Int, epsilon: Double) -> Double {
        (isBest ? 1 - epsilon : 0) + epsilon / Double(remaining)
    }

    /// A stable 64-bit seed from a request id (FNV-1a), the same on every platform and run.
    public static func seed(requestID: String) -> UInt64 { FNV1a.hash(requestID) }
}

/// One place of a slate as an exploring policy filled it.
public struct SlateSlot: Sendable, Equatable {
    /// Index into the ranked pool.
    public var poolIndex: Int
    /// The probability this policy gave this item in this place.
    public var probability: Double
    /// Whether exploration (rather than the policy's best guess) placed it.
    public var explored: Bool
    /// How many pool items were still unplaced when the place was filled.
    public var remaining: Int

    public init(poolIndex: Int, probability: Double, explored: Bool, remaining: Int) {
        self.poolIndex = poolIndex
        self.probability = probability
        self.explored = explored
        self.remaining = remaining
    }
}

/// The 64-bit FNV-1a hash of a string's UTF-8 bytes: stable on every platform and run, which
/// Swift's own hashing (seeded per process) is not.
public enum FNV1a {
    public static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
