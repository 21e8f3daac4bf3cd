import Foundation

/// A slate filled place by place by a linear contextual bandit over a ranked pool. Every
/// strategy reads the same learned state; they differ in how they trade what it knows against
/// what it does not:
///
/// - `contextual`: the best expected reward in every place, no exploration. The model's order
///   adjusted by what the bandit learned about this context; deterministic (probability 1).
/// - `softmax`: each place drawn with probability proportional to exp(expected reward /
///   temperature) among the unplaced candidates. Exact probabilities.
/// - `linUCB`: the best upper confidence bound, expected reward + alpha x its width. Deterministic
///   (probability 1): it explores by optimism, not by chance, so its log cannot weigh other
///   policies' choices.
/// - `thompson`: each place takes the best of one draw from the posterior of the candidates'
///   rewards (mean, and scale^2 x A^-1 projected onto the pool); the probability logged is the
///   share of `draws` such draws in which the placed candidate would have won the place (a Monte
///   Carlo estimate, as the Open Bandit Dataset's Thompson log records), never below 1 / draws.
///
/// Places before `firstPosition` take the best expected reward. A slate's probability is the
/// product of its places'. Random choices come from a generator seeded by the caller (from the
/// request id), so a logged decision replays exactly.
public struct BanditSlatePolicy: Sendable, Equatable {
    public enum Strategy: Sendable, Equatable {
        case contextual
        case softmax(temperature: Double)
        case linUCB(alpha: Double)
        case thompson(scale: Double, draws: Int)

        /// How logs and reports name it.
        public var name: String {
            switch self {
            case .contextual: "contextual"
            case .softmax: "softmax"
            case .linUCB: "linucb"
            case .thompson: "thompson"
            }
        }
    }

    public var strategy: Strategy
    /// 1-based: the first place that may explore.
    public var firstPosition: Int

    public init(strategy: Strategy, firstPosition: Int = 1) {
        switch strategy {
        case .contextual: break
        case .softmax(let temperature): precondition(temperature > 0, "a temperature is positive")
        case .linUCB(let alpha): precondition(alpha >= 0, "alpha is not negative")
        case .thompson(let scale, let draws): precondition(scale >= 0 && draws >= 1, "a scale and at least one draw")
        }
        precondition(firstPosition >= 1, "positions count from 1")
        self.strategy = strategy
        self.firstPosition = firstPosition
    }

    /// Fills `count` places from the pool whose candidates have features `arms` (ranked order).
    public func decide(arms: [[SparseFeature]], count: Int, estimate: LinearBanditEstimate, seed: UInt64) -> [SlateSlot] {
        guard count > 0, !arms.isEmpty else { return [] }
        let expected = arms.map(estimate.expectedReward)
        let draws = thompsonDraws(arms: arms, expected: expected, estimate: estimate, seed: seed)
        var generator = SeededGenerator(seed: seed)
        var unplaced = Array(arms.indices)
        var slots: [SlateSlot] = []
        for position in 1...min(count, arms.count) {
            let best = Self.argmax(unplaced) { expected[$0] }
            let place: (index: Int, probability: Double)
            if position < firstPosition {
                place = (best, 1)
            } else {
                switch strategy {
                case .contextual:
                    place = (best, 1)
                case .softmax(let temperature):
                    let probabilities = Self.softmax(unplaced.map { expected[$0] }, temperature: temperature)
                    let drawn = Self.sample(probabilities, unit: generator.nextUnit())
                    place = (unplaced[drawn], probabilities[drawn])
                case .linUCB(let alpha):
                    place = (Self.argmax(unplaced) { expected[$0] + alpha * estimate.width(arms[$0]) }, 1)
                case .thompson:
                    let realized = draws[(position - 1) % draws.count]
                    let winner = Self.argmax(unplaced) { realized[$0] }
                    place = (winner, Self.share(of: winner, among: unplaced, draws: draws))
                }
            }
            let remaining = unplaced.count
            unplaced.removeAll { $0 == place.index }
            slots.append(SlateSlot(poolIndex: place.index, probability: place.probability, explored: place.index != best, remaining: remaining))
        }
        return slots
    }

    /// The policy's distribution over `candidates` (indices into `arms`) for one place whose
    /// other candidates were already placed: what off-policy evaluation weighs a logged choice
    /// by. Thompson sampling's is estimated from `draws` posterior draws seeded by `seed`.
    public func distribution(
        over candidates: [Int], arms: [[SparseFeature]], estimate: LinearBanditEstimate, seed: UInt64
    ) -> [Double] {
        guard !candidates.isEmpty else { return [] }
        let expected = arms.map(estimate.expectedReward)
        func oneHot(_ winner: Int) -> [Double] { candidates.map { $0 == winner ? 1 : 0 } }
        switch strategy {
        case .contextual:
            return oneHot(Self.argmax(candidates) { expected[$0] })
        case .softmax(let temperature):
            return Self.softmax(candidates.map { expected[$0] }, temperature: temperature)
        case .linUCB(let alpha):
            return oneHot(Self.argmax(candidates) { expected[$0] + alpha * estimate.width(arms[$0]) })
        case .thompson:
            let draws = thompsonDraws(arms: arms, expected: expected, estimate: estimate, seed: seed)
            var wins = [Double](repeating: 0, count: candidates.count)
            for draw in draws { wins[Self.argmaxPosition(candidates) { draw[$0] }] += 1 }
            return wins.map { $0 / Double(draws.count) }
        }
    }

    /// Joint posterior draws of every pool candidate's reward (empty unless Thompson sampling):
    /// expected + scale x L z with L L^T = X A^-1 X^T, so that candidates sharing features move
    /// together as they would under one draw of the weights.
    private func thompsonDraws(arms: [[SparseFeature]], expected: [Double], estimate: LinearBanditEstimate, seed: UInt64) -> [[Double]] {
        guard case .thompson(let scale, let count) = strategy else { return [] }
        let n = arms.count
        var covariance = [Double](repeating: 0, count: n * n)
        var largest = 0.0
        for i in 0..<n {
            for j in 0...i {
                let value = estimate.covariance(arms[i], arms[j])
                covariance[i * n + j] = value
                covariance[j * n + i] = value
            }
            largest = max(largest, covariance[i * n + i])
        }
        // Candidates with identical features make the matrix singular; a jitter far below any
        // width keeps the factorization defined without changing the draws measurably.
        let jitter = max(largest, 1e-12) * 1e-9
        for i in 0..<n { covariance[i * n + i] += jitter }
        let factor = DenseSolve.choleskyFactor(covariance, n: n) ?? Self.diagonalRoot(covariance, n: n)
        var generator = SeededGenerator(seed: seed ^ 0x9e37_79b9_7f4a_7c15)
        var draws: [[Double]] = []
        draws.reserveCapacity(count)
        var z = [Double](repeating: 0, count: n)
        for _ in 0..<count {
            for i in 0..<n { z[i] = generator.nextGaussian() }
            var draw = expected
            for i in 0..<n {
                var sum = 0.0
                for k in 0...i { sum += factor[i * n + k] * z[k] }
                draw[i] += scale * sum
            }
            draws.append(draw)
        }
        return draws
    }

    private static func diagonalRoot(_ matrix: [Double], n: Int) -> [Double] {
        var root = [Double](repeating: 0, count: n * n)
        for i in 0..<n { root[i * n + i] = max(0, matrix[i * n + i]).squareRoot() }
        return root
    }

    /// The share of draws in which `winner` is the best of `candidates`.
    private static func share(of winner: Int, among candidates: [Int], draws: [[Double]]) -> Double {
        var wins = 0
        for draw in draws where argmax(candidates, by: { draw[$0] }) == winner { wins += 1 }
        return Double(wins) / Double(draws.count)
    }

    /// exp(value / temperature), normalized; computed from the largest value down so that no
    /// term overflows.
    public static func softmax(_ values: [Double], temperature: Double) -> [Double] {
        guard let top = values.max() else { return [] }
        let terms = values.map { exp(($0 - top) / temperature) }
        let total = terms.reduce(0, +)
        return terms.map { $0 / total }
    }

    private static func sample(_ probabilities: [Double], unit: Double) -> Int {
        var cumulative = 0.0
        for (index, p) in probabilities.enumerated() {
            cumulative += p
            if unit < cumulative { return index }
        }
        return probabilities.count - 1
    }

    /// The candidate with the largest key; ties go to the one ranked first.
    static func argmax(_ candidates: [Int], by key: (Int) -> Double) -> Int {
        candidates[argmaxPosition(candidates, by: key)]
    }

    private static func argmaxPosition(_ candidates: [Int], by key: (Int) -> Double) -> Int {
        var best = 0
        var bestKey = -Double.infinity
        for (position, candidate) in candidates.enumerated() {
            let value = key(candidate)
            if value > bestKey || (value == bestKey && candidate < candidates[best]) {
                best = position
                bestKey = value
            }
        }
        return best
    }
}
