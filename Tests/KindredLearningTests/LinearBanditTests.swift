import Foundation
import Testing

@testable import KindredLearning

/// The linear contextual bandit: its ridge statistics worked by hand and against scikit-learn,
/// its feature layout, and slates whose logged probabilities are the probabilities they act with.
@Suite struct LinearBanditTests {
    static func x(_ pairs: (Int, Double)...) -> [SparseFeature] { pairs.map { SparseFeature(index: $0.0, value: $0.1) } }

    /// Displays [1,0], [1,0], [1,1] with rewards 1, 0, 1 and lambda 1:
    /// A = [[4,1],[1,2]], b = [2,1], A^-1 = [[2,-1],[-1,4]] / 7, mu = [3,2] / 7.
    /// With a prior mean [0.5, 0], b + lambda mu0 = [2.5, 1] and mu = [4, 1.5] / 7.
    @Test func ridgeStatisticsWorkedByHand() throws {
        for (prior, expected) in [([0.0, 0.0], [3.0 / 7, 2.0 / 7]), ([0.5, 0.0], [4.0 / 7, 1.5 / 7])] {
            var state = LinearBanditState(dimension: 2, lambda: 1, priorMean: prior)
            let first = Self.x((0, 1)), both = Self.x((0, 1), (1, 1))
            state.observeDisplay(first)
            state.observeReward(1, for: first)
            state.observeDisplay(first)
            state.observeDisplay(both)
            state.observeReward(1, for: both)
            #expect(state.gram == [4, 1, 1, 2])
            #expect(state.rewards == [2, 1])
            #expect(state.displays == 3 && state.outcomes == 2 && state.rewardTotal == 2)
            let estimate = try #require(state.estimate())
            for (actual, wanted) in zip(estimate.mean, expected) { #expect(abs(actual - wanted) < 1e-12) }
            #expect(abs(estimate.width(first) - (2.0 / 7).squareRoot()) < 1e-12)
            #expect(abs(estimate.covariance(first, Self.x((1, 1))) - (-1.0 / 7)) < 1e-12)
        }
    }

    @Test func inverseAndFactorWorkedByHand() throws {
        // [[4, 2], [2, 3]]: L = [[2, 0], [1, sqrt 2]], inverse = [[3, -2], [-2, 4]] / 8.
        let factor = try #require(DenseSolve.choleskyFactor([4, 2, 2, 3], n: 2))
        #expect(factor[0] == 2 && factor[1] == 0 && factor[2] == 1 && abs(factor[3] - 2.0.squareRoot()) < 1e-15)
        let inverse = try #require(DenseSolve.choleskyInverse([4, 2, 2, 3], n: 2))
        for (actual, wanted) in zip(inverse, [3.0 / 8, -2.0 / 8, -2.0 / 8, 4.0 / 8]) { #expect(abs(actual - wanted) < 1e-15) }
        #expect(DenseSolve.choleskyInverse([1, 2, 2, 1], n: 2) == nil, "not positive definite")
    }

    /// Block 0 holds the candidate's own features; each active context slot repeats them in its
    /// block. Morning (slot 1), weekend (5), desktop (8), the second main country (11) of 2.
    @Test func featureLayoutWorkedByHand() {
        let layout = BanditFeatures(countryCount: 2)
        #expect(layout.contextSlots == 4 + 2 + 4 + 3)
        #expect(layout.dimension == 16 * 14)
        let context = BanditContext(hour: 8, weekday: 6, device: 2, country: 1)
        #expect(context == BanditContext(hourBand: 1, weekend: true, device: 2, country: 1))
        #expect(layout.slots(of: context) == [1, 5, 8, 11])
        #expect(layout.slots(of: BanditContext(hourBand: 3, weekend: false, device: 3, country: 7)) == [3, 4, 9, 12], "other country")
        let arm = BanditArm(rank: 2, popularity: 0.25, priceBand: 1, categoryBucket: 3)
        let own = BanditFeatures.armFeatures(arm)
        #expect(own == Self.x((0, 1), (1, 0.5), (2, 0.25), (4, 1), (11, 1)), "1 / log2(2 + 2) = 0.5")
        let joint = layout.features(context: context, arm: arm)
        #expect(joint.count == 25)
        #expect(joint.contains(SparseFeature(index: 16 * 9 + 11, value: 1)), "desktop x category bucket 3")
        #expect(BanditFeatures.armFeatures(BanditArm(rank: 0, popularity: 2, priceBand: 9, categoryBucket: -1)).count == 4)
        #expect(BanditArm.bucket(category: "Shoes") == BanditArm.bucket(category: "shoes"))
        // With 3 segments: their slots follow the countries' (13, 14, 15), then one for people in none (16).
        let segmented = BanditFeatures(countryCount: 2, segmentCount: 3)
        #expect(segmented.contextSlots == 13 + 4 && segmented.dimension == 16 * 18)
        #expect(segmented.slots(of: BanditContext(hour: 8, weekday: 6, device: 2, country: 1, segment: 1)) == [1, 5, 8, 11, 14])
        #expect(segmented.slots(of: BanditContext(hour: 8, weekday: 6, device: 2, country: 1, segment: 3)) == [1, 5, 8, 11, 16])
        #expect(segmented.features(context: context, arm: arm).count == 30)
        // With 2 regions too: their slots follow the segments' (17, 18), then one for the rest (19).
        let regional = BanditFeatures(countryCount: 2, segmentCount: 3, regionCount: 2)
        #expect(regional.contextSlots == 17 + 3)
        #expect(regional.slots(of: BanditContext(hour: 20, weekday: 3, device: 0, country: 0, segment: 0, region: 1)) == [3, 4, 6, 10, 13, 18])
        #expect(regional.slots(of: BanditContext(hour: 20, weekday: 3, device: 0, country: 0, segment: 0, region: 9)) == [3, 4, 6, 10, 13, 19])
        #expect(BanditFeatures(countryCount: 0, regionCount: 1).slots(of: BanditContext(hourBand: 0, weekend: false, device: 3, country: 0, region: 0)) == [0, 4, 9, 10, 11])
        #expect(BanditArm.bucket(category: nil) == -1 && BanditArm.bucket(category: "") == -1)
    }

    // MARK: Against scikit-learn, numpy and scipy

    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/bandit_reference.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static func number(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
    static func numbers(_ key: String) -> [Double] { (reference[key] as! [Any]).map(number) }
    static func sparse(_ any: Any) -> [SparseFeature] {
        (any as! [[Any]]).map { SparseFeature(index: Int(number($0[0])), value: number($0[1])) }
    }

    static func referenceEstimate() -> LinearBanditEstimate {
        var state = LinearBanditState(
            dimension: Int(number(reference["dimension"])), lambda: number(reference["lambda"]), priorMean: numbers("prior_mean"))
        let displays = (reference["displays"] as! [Any]).map(sparse)
        let outcomes = (reference["outcomes"] as! [[Any]]).map { $0.map(number) }
        // Displays first, outcomes later and one at a time: the order filing sees them in.
        for display in displays { state.observeDisplay(display) }
        for (display, rewards) in zip(displays, outcomes) { for reward in rewards { state.observeReward(reward, for: display) } }
        return state.estimate()!
    }

    @Test func posteriorMeanAndWidthsMatchScikitLearnAndNumpy() {
        let estimate = Self.referenceEstimate()
        for (actual, wanted) in zip(estimate.mean, Self.numbers("mean")) { #expect(abs(actual - wanted) < 1e-10) }
        let probes = (Self.reference["probes"] as! [Any]).map(Self.sparse)
        for (probe, (expected, width)) in zip(probes, zip(Self.numbers("expected"), Self.numbers("widths"))) {
            #expect(abs(estimate.expectedReward(probe) - expected) < 1e-10)
            #expect(abs(estimate.width(probe) - width) < 1e-10)
        }
    }

    @Test func softmaxProbabilitiesMatchScipy() {
        let estimate = Self.referenceEstimate()
        let probes = (Self.reference["probes"] as! [Any]).map(Self.sparse)
        let temperature = Self.number(Self.reference["temperature"])
        let policy = BanditSlatePolicy(strategy: .softmax(temperature: temperature))
        let distribution = policy.distribution(over: Array(probes.indices), arms: probes, estimate: estimate, seed: 1)
        for (actual, wanted) in zip(distribution, Self.numbers("softmax")) { #expect(abs(actual - wanted) < 1e-12) }
        // The first place's logged probability is that distribution's value for what it placed.
        for seed in UInt64(0)..<50 {
            let slot = policy.decide(arms: probes, count: 1, estimate: estimate, seed: seed)[0]
            #expect(abs(slot.probability - distribution[slot.poolIndex]) < 1e-15)
        }
    }

    /// Thompson sampling between two candidates places the first with probability
    /// Phi(mean difference / sd of the difference); 20,000 draws estimate it within 0.01.
    @Test func thompsonProbabilityMatchesTheNormalCDF() {
        let estimate = Self.referenceEstimate()
        let probes = Array((Self.reference["probes"] as! [Any]).map(Self.sparse).prefix(2))
        let scale = Self.number(Self.reference["scale"])
        let policy = BanditSlatePolicy(strategy: .thompson(scale: scale, draws: 20_000))
        let distribution = policy.distribution(over: [0, 1], arms: probes, estimate: estimate, seed: 42)
        #expect(abs(distribution[0] - Self.number(Self.reference["first_beats_second"])) < 0.01)
        #expect(abs(distribution[0] + distribution[1] - 1) < 1e-12)
    }

    // MARK: Slates

    /// A pool of five candidates whose expected rewards fall with rank under the prior.
    static func pool(count: Int = 5) -> (arms: [[SparseFeature]], estimate: LinearBanditEstimate) {
        let layout = BanditFeatures(countryCount: 0)
        let context = BanditContext(hourBand: 1, weekend: false, device: 0, country: 0)
        let arms = (0..<count).map { layout.features(context: context, arm: BanditArm(rank: $0, popularity: 0.5, priceBand: 4, categoryBucket: $0 % 8)) }
        let state = LinearBanditState(
            dimension: layout.dimension, lambda: 1, priorMean: LinearBanditState.priorMean(dimension: layout.dimension, rankWeight: 0.1))
        return (arms, state.estimate()!)
    }

    @Test func aFreshBanditRanksAsTheModelDoes() {
        let (arms, estimate) = Self.pool()
        for strategy in [BanditSlatePolicy.Strategy.contextual, .linUCB(alpha: 0)] {
            let slots = BanditSlatePolicy(strategy: strategy).decide(arms: arms, count: 4, estimate: estimate, seed: 3)
            #expect(slots.map(\.poolIndex) == [0, 1, 2, 3])
            #expect(slots.allSatisfy { $0.probability == 1 && !$0.explored })
        }
    }

    /// Each place's probability is the policy's own distribution over what was still unplaced,
    /// and the same seed replays the same slate with the same probabilities.
    @Test(arguments: [BanditSlatePolicy.Strategy.softmax(temperature: 0.02), .thompson(scale: 0.5, draws: 64), .linUCB(alpha: 2)])
    func placesLogTheirOwnDistribution(strategy: BanditSlatePolicy.Strategy) {
        let (arms, estimate) = Self.pool(count: 8)
        let policy = BanditSlatePolicy(strategy: strategy, firstPosition: 2)
        var explored = 0
        for seed in UInt64(0)..<100 {
            let slots = policy.decide(arms: arms, count: 4, estimate: estimate, seed: seed)
            #expect(slots == policy.decide(arms: arms, count: 4, estimate: estimate, seed: seed), "replays")
            #expect(slots[0].poolIndex == 0 && slots[0].probability == 1, "before the first explorable place")
            for (place, slot) in slots.enumerated() where place > 0 {
                let unplaced = arms.indices.filter { index in !slots.prefix(place).contains { $0.poolIndex == index } }
                let distribution = policy.distribution(over: unplaced, arms: arms, estimate: estimate, seed: seed)
                let chosen = unplaced.firstIndex(of: slot.poolIndex)!
                #expect(abs(slot.probability - distribution[chosen]) < 1e-12, "\(strategy.name) seed \(seed) place \(place + 1)")
                #expect(slot.probability > 0)
                if slot.explored { explored += 1 }
            }
        }
        if case .linUCB = strategy {
            #expect(explored == 0, "a fresh LinUCB is surest of the model's choice: it has the widest bound and the best mean")
        } else {
            #expect(explored > 0, "\(strategy.name) explores")
        }
    }

    /// LinUCB explores by optimism: once the model's first choice was shown often without a
    /// reward, its bound falls below that of a candidate never shown, which takes the place.
    @Test func linUCBTriesWhatItKnowsLeastAbout() throws {
        let layout = BanditFeatures(countryCount: 0)
        let context = BanditContext(hourBand: 2, weekend: false, device: 2, country: 0)
        let arms = (0..<3).map { layout.features(context: context, arm: BanditArm(rank: $0, popularity: 0.5, priceBand: 2, categoryBucket: $0)) }
        var state = LinearBanditState(
            dimension: layout.dimension, lambda: 1, priorMean: LinearBanditState.priorMean(dimension: layout.dimension, rankWeight: 0.1))
        for _ in 0..<50 { state.observeDisplay(arms[0]) }
        let estimate = try #require(state.estimate())
        let slots = BanditSlatePolicy(strategy: .linUCB(alpha: 1)).decide(arms: arms, count: 1, estimate: estimate, seed: 0)
        #expect(slots[0].poolIndex != 0 && slots[0].explored && slots[0].probability == 1)
    }

    /// Over many requests, softmax places each candidate first as often as its probability says.
    @Test func softmaxFrequenciesFollowTheLoggedProbabilities() {
        let (arms, estimate) = Self.pool()
        let policy = BanditSlatePolicy(strategy: .softmax(temperature: 0.02))
        let distribution = policy.distribution(over: Array(arms.indices), arms: arms, estimate: estimate, seed: 0)
        var counts = [Double](repeating: 0, count: arms.count)
        let requests = 20_000
        for seed in 0..<requests {
            counts[policy.decide(arms: arms, count: 1, estimate: estimate, seed: UInt64(seed) &* 0x9e37_79b9)[0].poolIndex] += 1
        }
        for (count, p) in zip(counts, distribution) {
            let sd = (p * (1 - p) / Double(requests)).squareRoot()
            #expect(abs(count / Double(requests) - p) < 5 * sd + 1e-9)
        }
    }

    /// The bandit learns from context: phones rewarded category bucket 3, desktops bucket 5.
    /// Afterwards the contextual ranking of the same pool leads with bucket 3 on a phone in the
    /// morning and with bucket 5 on a desktop in the evening.
    @Test func whatItLearnsMakesTheRankingContextAware() throws {
        let layout = BanditFeatures(countryCount: 0)
        var state = LinearBanditState(
            dimension: layout.dimension, lambda: 1, priorMean: LinearBanditState.priorMean(dimension: layout.dimension, rankWeight: 0.1))
        let phone = BanditContext(hour: 8, weekday: 2, device: 0, country: 0)
        let desktop = BanditContext(hour: 21, weekday: 2, device: 2, country: 0)
        let buckets = [1, 3, 5, 6]
        func arms(_ context: BanditContext) -> [[SparseFeature]] {
            buckets.enumerated().map { layout.features(context: context, arm: BanditArm(rank: $0.offset, popularity: 0.3, priceBand: 1, categoryBucket: $0.element)) }
        }
        for _ in 0..<200 {
            for (context, liked) in [(phone, 3), (desktop, 5)] {
                for (index, x) in arms(context).enumerated() {
                    state.observeDisplay(x)
                    if buckets[index] == liked { state.observeReward(1, for: x) }
                }
            }
        }
        let estimate = try #require(state.estimate())
        let policy = BanditSlatePolicy(strategy: .contextual)
        #expect(buckets[policy.decide(arms: arms(phone), count: 1, estimate: estimate, seed: 0)[0].poolIndex] == 3)
        #expect(buckets[policy.decide(arms: arms(desktop), count: 1, estimate: estimate, seed: 0)[0].poolIndex] == 5)
    }
}
