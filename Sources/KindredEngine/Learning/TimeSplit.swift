import Foundation
import KindredLearning
import KindredStore

/// How a split holds data out: the three protocols `kindred evaluate --split` and `kindred
/// train --split` name, and what the report calls each.
public enum SplitMethod: String, Sendable, CaseIterable, Codable {
    /// The last `testDays`: the future, as serving meets it.
    case time
    /// Each person's latest relevant event, for data whose recent days hold too few people.
    case last
    /// A seeded random share of each person's relevant items, whole (every event of the pair),
    /// for data whose times say little (a log without meaningful timestamps).
    case random

    /// The name reports and manifests use (`split` in `kindred evaluate --json`).
    public var reportName: String {
        switch self {
        case .time: return "time"
        case .last: return "leave-last-out"
        case .random: return "random-holdout"
        }
    }

    public init?(reportName: String) {
        guard let method = Self.allCases.first(where: { $0.reportName == reportName }) else { return nil }
        self = method
    }
}

/// A split of the data into what models learn from and what they are scored on: by time (train
/// up to the cut, test after it), leaving each person's last relevant event out, or holding out
/// a random share of each person's items.
public struct TimeSplit: Sendable {
    public let cutMs: Int64
    public var evaluation: EvaluationSet
    /// `SplitMethod.reportName`, and why it is the one chosen when it was chosen from the data.
    public var method = SplitMethod.time.reportName
    public var note: String?
    /// Leave-last-out only: per person row, the time of the event held out for them; what they
    /// did from then on is not trained on.
    public var heldFromMs: [Int32: Int64] = [:]
    /// Random holdout only: the (person row, item) pairs held out, as `pairKey`; none of their
    /// events is trained on.
    public var heldPairs: Set<UInt64> = []

    static func pairKey(user: Int32, item: Int32) -> UInt64 { UInt64(UInt32(bitPattern: user)) << 32 | UInt64(UInt32(bitPattern: item)) }

    /// Whether the event at `index` of `data.log` is in this split's training part: what a
    /// fit outside Kindred (Spark) needs to reproduce the same validation.
    public func trains(on index: Int, of data: TrainingData) -> Bool {
        Self.trains(on: index, of: data, cutMs: cutMs, heldFromMs: heldFromMs, heldPairs: heldPairs)
    }

    static func trains(
        on index: Int, of data: TrainingData, cutMs: Int64, heldFromMs: [Int32: Int64], heldPairs: Set<UInt64> = []
    ) -> Bool {
        let time = data.log.times[index]
        guard time <= cutMs else { return false }
        let user = data.log.users[index]
        if !heldPairs.isEmpty, heldPairs.contains(pairKey(user: user, item: data.log.items[index])) { return false }
        return heldFromMs[user].map { time < $0 } ?? true
    }

    /// The split that evaluates. Forced by `options.split`, that method whatever it finds;
    /// otherwise the first of time, leave-last-out and random holdout that evaluates at least
    /// `options.minimumEvaluated` people (or, when none does, the one that evaluates the most),
    /// with a note saying what each found when it is not the time split. Nil without events; a
    /// split with no cases when no one is evaluable at all.
    ///
    /// `within` carves the split from another split's training part only (the tuning split
    /// inside the test split's training data, which never sees a test case).
    public static func evaluable(_ data: TrainingData, options: EvaluationOptions, within outer: TimeSplit? = nil) -> TimeSplit? {
        guard (outer?.cutMs ?? options.dataEndMs ?? data.lastEventMs) != nil else { return nil }
        if let forced = options.split { return split(forced, data, options: options, within: outer) }
        let minimum = max(1, options.minimumEvaluated)
        var tried: [TimeSplit] = []
        for method in SplitMethod.allCases {
            guard let candidate = split(method, data, options: options, within: outer) else { return nil }
            tried.append(candidate)
            if candidate.evaluation.cases.count >= minimum { break }
        }
        if tried.count == 1 { return tried[0] }
        // When none reaches the minimum, the one that evaluates the most (the earliest on a tie).
        var chosen = tried.last!
        if chosen.evaluation.cases.count < minimum {
            chosen = tried.reduce(tried[0]) { $1.evaluation.cases.count > $0.evaluation.cases.count ? $1 : $0 }
        }
        let kinds = options.relevantKinds.map(TrainingDataKinds.name(of:)).sorted().joined(separator: " or ")
        func people(_ split: TimeSplit) -> String {
            split.evaluation.cases.count == 1 ? "1 person" : "\(split.evaluation.cases.count.formatted()) people"
        }
        let found = tried.map { split -> String in
            switch SplitMethod(reportName: split.method)! {
            case .time: return "the last \(options.testDays) days evaluate \(people(split)) (with earlier history and a \(kinds) there)"
            case .last: return "leaving each person's last \(kinds) out evaluates \(people(split))"
            case .random: return "holding out a random fifth of each person's \(kinds) items evaluates \(people(split))"
            }
        }
        chosen.note =
            found.joined(separator: "; ") + "; fewer than \(minimum) is too few; "
            + (chosen.evaluation.cases.isEmpty ? "no one can be evaluated" : "evaluated by \(chosen.method)")
        return chosen
    }

    /// The split of one method, nil without events.
    static func split(_ method: SplitMethod, _ data: TrainingData, options: EvaluationOptions, within outer: TimeSplit?) -> TimeSplit? {
        let made: TimeSplit? =
            switch method {
            case .time: make(data, options: options, within: outer)
            case .last: leaveLastOut(data, options: options, within: outer)
            case .random: randomHoldout(data, options: options, within: outer)
            }
        return made?.withReturnContexts(data)
    }

    /// Each case with the context of the person's return: their first event after the cut (the
    /// time split), or the event held out for them (leave-last-out); a random holdout has no
    /// moment of return, so its cases keep an unknown context. Hours are UTC: the log keeps no
    /// local hour.
    func withReturnContexts(_ data: TrainingData) -> TimeSplit {
        guard method != SplitMethod.random.reportName, !evaluation.cases.isEmpty else { return self }
        let leaveLast = method == SplitMethod.last.reportName
        var wanted: [Int32: Int] = [:]
        for (index, testCase) in evaluation.cases.enumerated() { wanted[Int32(testCase.user)] = index }
        var returned: [Int: (time: Int64, event: Int)] = [:]
        for index in 0..<data.log.count {
            let time = data.log.times[index]
            guard let caseIndex = wanted[data.log.users[index]] else { continue }
            if leaveLast {
                guard time == heldFromMs[data.log.users[index]], returned[caseIndex] == nil else { continue }
            } else {
                guard time > cutMs, returned[caseIndex].map({ time < $0.time }) ?? true else { continue }
            }
            returned[caseIndex] = (time, index)
        }
        var split = self
        for (caseIndex, moment) in returned {
            let device = data.logDevices[moment.event]
            split.evaluation.cases[caseIndex].context = RankingContext(
                atMs: moment.time, localHour: nil, device: device > 0 ? Device.allCases[Int(device) - 1].rawValue : nil)
        }
        return split
    }

    /// What a split may use: the events up to the end of the data (`options.dataEndMs`, or the
    /// last event), or only the outer split's training part.
    /// The result holds the outer split's held-out people and pairs too, so that `trains(on:)`
    /// answers for both.
    private static func base(
        _ data: TrainingData, options: EvaluationOptions, within outer: TimeSplit?
    ) -> (end: Int64, available: (Int) -> Bool)? {
        if let outer { return (outer.cutMs, { outer.trains(on: $0, of: data) }) }
        guard let end = options.dataEndMs ?? data.lastEventMs else { return nil }
        return (end, { data.log.times[$0] <= end })
    }

    /// Splits at the end of the data less `testDays`; evaluated users are real users (not
    /// anonymous sessions) with training interactions and at least one relevant test item.
    public static func make(_ data: TrainingData, options: EvaluationOptions, within outer: TimeSplit? = nil) -> TimeSplit? {
        guard let (last, available) = base(data, options: options, within: outer) else { return nil }
        let cut = last - Int64(options.testDays) * 86_400_000
        let train = data.trainingSet(weights: options.weights, referenceTime: cut, withSequences: options.withSequences) {
            data.log.times[$0] <= cut && available($0)
        }
        var relevant: [Int32: Set<Int>] = [:]
        for index in 0..<data.log.count {
            guard data.log.times[index] > cut, available(index), Int(data.log.users[index]) < data.userPKs.count,
                options.relevantKinds.contains(data.log.kinds[index])
            else { continue }
            relevant[data.log.users[index], default: []].insert(Int(data.log.items[index]))
        }
        var cases: [EvaluationSet.Case] = []
        for user in relevant.keys.sorted() {
            let seen = train.interactions.row(Int(user)).columns
            guard !seen.isEmpty else { continue }
            var items = relevant[user]!
            var excluded = Set<Int32>()
            if options.testProtocol == .discovery {
                excluded = Set(seen)
                items.subtract(seen.map(Int.init))
            }
            guard !items.isEmpty else { continue }
            cases.append(EvaluationSet.Case(user: Int(user), relevant: items, excluded: excluded))
        }
        return TimeSplit(
            cutMs: cut, evaluation: EvaluationSet(train: train, cases: cases), heldFromMs: outer?.heldFromMs ?? [:],
            heldPairs: outer?.heldPairs ?? [])
    }

    /// Leave-last-out: each real person's latest relevant event is their test case, and they are
    /// trained on only what they did before it; everyone else trains on everything.
    static func leaveLastOut(_ data: TrainingData, options: EvaluationOptions, within outer: TimeSplit? = nil) -> TimeSplit? {
        guard let (end, available) = base(data, options: options, within: outer) else { return nil }
        var held: [Int32: (time: Int64, item: Int32)] = [:]
        for index in 0..<data.log.count {
            let user = data.log.users[index]
            let time = data.log.times[index]
            guard available(index), Int(user) < data.userPKs.count, options.relevantKinds.contains(data.log.kinds[index]) else { continue }
            if let current = held[user], current.time >= time { continue }
            held[user] = (time, data.log.items[index])
        }
        var heldFrom = outer?.heldFromMs ?? [:]
        for (user, event) in held { heldFrom[user] = min(heldFrom[user] ?? .max, event.time) }
        let heldPairs = outer?.heldPairs ?? []
        let train = trainingPart(data, options: options, end: end, heldFromMs: heldFrom, heldPairs: heldPairs)
        var cases: [EvaluationSet.Case] = []
        for user in held.keys.sorted() {
            let seen = train.interactions.row(Int(user)).columns
            guard !seen.isEmpty else { continue }
            let item = Int(held[user]!.item)
            var excluded = Set<Int32>()
            if options.testProtocol == .discovery {
                guard !seen.contains(Int32(item)) else { continue }
                excluded = Set(seen)
            }
            cases.append(EvaluationSet.Case(user: Int(user), relevant: [item], excluded: excluded))
        }
        return TimeSplit(
            cutMs: end, evaluation: EvaluationSet(train: train, cases: cases), method: SplitMethod.last.reportName,
            heldFromMs: heldFrom, heldPairs: heldPairs)
    }

    /// Random holdout: for each real person with two or more distinct relevant items, a seeded
    /// random fifth of them (at least one, never all) is held out whole, every event of those
    /// pairs left out of training, and is their test case; everyone else trains on everything.
    /// Time plays no part, so it works on logs whose timestamps mean nothing.
    static func randomHoldout(_ data: TrainingData, options: EvaluationOptions, within outer: TimeSplit? = nil) -> TimeSplit? {
        guard let (end, available) = base(data, options: options, within: outer) else { return nil }
        var relevant: [Int32: Set<Int32>] = [:]
        for index in 0..<data.log.count {
            let user = data.log.users[index]
            guard available(index), Int(user) < data.userPKs.count, options.relevantKinds.contains(data.log.kinds[index]) else { continue }
            relevant[user, default: []].insert(data.log.items[index])
        }
        var random = SeededGenerator(seed: options.seed)
        var heldPairs = outer?.heldPairs ?? []
        var heldItems: [Int32: [Int32]] = [:]
        for user in relevant.keys.sorted() {
            let items = relevant[user]!.sorted()
            guard items.count >= 2 else { continue }
            let count = min(items.count - 1, max(1, Int((Double(items.count) * 0.2).rounded())))
            let chosen = Array(items.shuffled(using: &random).prefix(count)).sorted()
            heldItems[user] = chosen
            for item in chosen { heldPairs.insert(pairKey(user: user, item: item)) }
        }
        let heldFrom = outer?.heldFromMs ?? [:]
        let train = trainingPart(data, options: options, end: end, heldFromMs: heldFrom, heldPairs: heldPairs)
        var cases: [EvaluationSet.Case] = []
        for user in heldItems.keys.sorted() {
            let seen = train.interactions.row(Int(user)).columns
            guard !seen.isEmpty else { continue }
            // Held pairs have no training event, so they are never among what the person has seen.
            let excluded = options.testProtocol == .discovery ? Set(seen) : []
            cases.append(EvaluationSet.Case(user: Int(user), relevant: Set(heldItems[user]!.map(Int.init)), excluded: excluded))
        }
        return TimeSplit(
            cutMs: end, evaluation: EvaluationSet(train: train, cases: cases), method: SplitMethod.random.reportName,
            heldFromMs: heldFrom, heldPairs: heldPairs)
    }

    /// What a split that holds people's events out trains on: everything up to `end` that
    /// `trains(on:)` keeps.
    private static func trainingPart(
        _ data: TrainingData, options: EvaluationOptions, end: Int64, heldFromMs: [Int32: Int64], heldPairs: Set<UInt64>
    ) -> TrainingSet {
        data.trainingSet(weights: options.weights, referenceTime: end, withSequences: options.withSequences) { index in
            TimeSplit.trains(on: index, of: data, cutMs: end, heldFromMs: heldFromMs, heldPairs: heldPairs)
        }
    }
}
