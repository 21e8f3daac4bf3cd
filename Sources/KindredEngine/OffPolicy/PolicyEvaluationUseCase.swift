import Foundation
import KindredLearning
import KindredStore

/// The policy whose value `kindred policies evaluate` estimates.
public enum PolicyTarget: Sendable, Equatable, CustomStringConvertible {
    /// Every item equally likely in every slot.
    case uniform
    /// The policy that wrote the evaluated log (a check: IPS, SNIPS and DR give its mean reward).
    case logged
    /// The policy that wrote another log, read from that log's propensities: an imported log's
    /// name, or a file in the request's format.
    case log(String)
    /// On the shop's own log: the model's choice at every place (no exploration).
    case greedy
    /// On the shop's own log: epsilon-greedy over the same candidates with another epsilon.
    case epsilon(Double)
    /// On the shop's own log: a configuration of the surface's contextual bandit (its policy
    /// and that policy's parameter, as `exploration.<surface>.*` would set them) over the same
    /// candidates, with the state of the request's bandit version (the active one by default).
    case bandit(policy: String, parameter: Double?)
    /// On the shop's own log: the ranking of a model version, its best remaining candidate at
    /// every place.
    case model(Int64)

    public static func parse(_ text: String) throws -> PolicyTarget {
        switch text {
        case "uniform": return .uniform
        case "logged": return .logged
        case "greedy": return .greedy
        default:
            if text.hasPrefix("log:"), text.count > 4 { return .log(String(text.dropFirst(4))) }
            if text.hasPrefix("epsilon:") {
                guard let epsilon = Double(text.dropFirst(8)), (0...1).contains(epsilon) else {
                    throw RequestProblem(
                        .invalid, code: "invalid_epsilon", message: "epsilon:X takes a probability 0...1, not '\(text.dropFirst(8))'",
                        field: "target")
                }
                return .epsilon(epsilon)
            }
            if text.hasPrefix("model:") {
                guard let version = Int64(text.dropFirst(6)), version > 0 else {
                    throw RequestProblem(
                        .invalid, code: "invalid_model", message: "model:V takes a model version number, not '\(text.dropFirst(6))'", field: "target")
                }
                return .model(version)
            }
            if text.hasPrefix("bandit:") { return try parseBandit(String(text.dropFirst(7))) }
            throw RequestProblem(
                .invalid, code: "unknown_policy",
                message: "unknown target policy '\(text)'; known: uniform, logged, greedy, epsilon:X, model:V and bandit:POLICY[:X] (on the shop's own impressions), log:NAME or log:FILE (on an imported log)",
                field: "target")
        }
    }

    /// `contextual`, `softmax[:temperature]`, `linucb[:alpha]` or `thompson[:scale]`, each
    /// checked as the setting it stands for.
    static func parseBandit(_ text: String) throws -> PolicyTarget {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        let names = ExplorationSettings.Policy.allCases.filter(\.usesBandit).map(\.rawValue)
        guard let name = parts.first, let policy = ExplorationSettings.Policy(rawValue: name), policy.usesBandit else {
            throw RequestProblem(
                .invalid, code: "unknown_policy",
                message: "bandit:POLICY takes one of \(names.joined(separator: ", ")), not '\(parts.first ?? "")'", field: "target")
        }
        guard parts.count == 2 else { return .bandit(policy: name, parameter: nil) }
        guard let setting = policy.parameterSetting else {
            throw RequestProblem(.invalid, code: "invalid_policy_parameter", message: "bandit:contextual takes no parameter", field: "target")
        }
        let checked = Result { () throws(ShopSetting.Invalid) -> String in try ShopSetting.exploration("bandit:\(name)", setting, parts[1]) }
        switch checked {
        case .success(let value): return .bandit(policy: name, parameter: Double(value))
        case .failure(let invalid):
            throw RequestProblem(.invalid, code: "invalid_policy_parameter", message: invalid.description, field: "target")
        }
    }

    public var description: String {
        switch self {
        case .bandit(let policy, let parameter): "bandit:\(policy)" + (parameter.map { ":\($0)" } ?? "")
        case .model(let version): "model:\(version)"
        case .uniform: "uniform"
        case .logged: "logged"
        case .log(let name): "log:\(name)"
        case .greedy: "greedy"
        case .epsilon(let epsilon): "epsilon:\(epsilon)"
        }
    }
}

/// Where the logged rounds come from.
public enum BanditLogSource: Sendable, Equatable {
    /// The shop's own impressions of lists of a surface (recommendations, similar) that explored.
    case shop(surface: String)
    case imported(name: String)
    case file(path: String, format: BanditLogFile.Format)
}

public struct PolicyEvaluationRequest: Sendable {
    public var source: BanditLogSource
    public var target: PolicyTarget
    public var interval: PolicyValueInterval
    public var level: Double
    public var folds: Int
    public var l2: Double
    /// For a `bandit:` target: whose learned state it uses (nil: the surface's active version).
    public var banditVersion: Int64?

    public init(
        source: BanditLogSource, target: PolicyTarget, interval: PolicyValueInterval = .bootstrap(resamples: 1_000, seed: 1),
        level: Double = 0.95, folds: Int = 3, l2: Double = 1
    ) {
        self.source = source
        self.target = target
        self.interval = interval
        self.level = level
        self.folds = folds
        self.l2 = l2
    }

    /// Ranges the estimators need, named as the CLI names them.
    public func validate() throws {
        if !(level > 0.5 && level < 1) {
            throw RequestProblem(.invalid, code: "invalid_level", message: "the confidence level is between 0.5 and 1, not \(level)", field: "level")
        }
        if !(1...10).contains(folds) {
            throw RequestProblem(.invalid, code: "invalid_folds", message: "folds is 1 to 10, not \(folds)", field: "folds")
        }
        if !(l2 > 0 && l2.isFinite) {
            throw RequestProblem(.invalid, code: "invalid_l2", message: "the reward model's l2 penalty is above 0, not \(l2)", field: "l2")
        }
        if case .bootstrap(let resamples, _) = interval, !(100...100_000).contains(resamples) {
            throw RequestProblem(
                .invalid, code: "invalid_resamples", message: "resamples is 100 to 100000, not \(resamples)", field: "resamples")
        }
    }
}

/// What `kindred policies evaluate` reports: each estimator's value with its interval, the
/// weights' diagnostics, and how every number was made.
public struct PolicyEvaluationReport: Sendable, Equatable, Codable {
    public struct LogFacts: Sendable, Equatable, Codable {
        public var name: String
        public var rounds: Int
        public var items: Int
        public var slots: Int
        /// The behaviour policy's own value: the log's mean reward.
        public var meanReward: Double
    }

    public struct IntervalFacts: Sendable, Equatable, Codable {
        public var method: String
        public var level: Double
        public var resamples: Int?
        public var seed: UInt64?
    }

    public struct RewardModelFacts: Sendable, Equatable, Codable {
        public var method = "logistic_regression"
        public var features: [String]
        public var l2: Double
        public var folds: Int
        public var crossFitting: String
    }

    public var log: LogFacts
    public var target: String
    public var ips: PolicyValueEstimate
    public var snips: PolicyValueEstimate
    public var dm: PolicyValueEstimate
    public var dr: PolicyValueEstimate
    /// Kish's effective sample size of the importance weights.
    public var ess: Double
    public var maxWeight: Double
    public var meanWeight: Double
    public var interval: IntervalFacts
    public var rewardModel: RewardModelFacts
    /// For a `log:` target: the mean over rounds of the sum of the target's last recorded
    /// probabilities for every item in the round's position, before they are normalized to 1.
    /// Far from 1, the records describe the target poorly.
    public var targetRecordedMass: Double?
    /// For a `log:` target: rows of the target's log with an item or slot this log lacks.
    public var targetRowsUnmatched: Int?
    /// What says not to trust a number.
    public var warnings: [String]
    public var methods: [String: String] = [
        "ips": "inverse propensity scoring: mean of w r, w = target probability / logged propensity",
        "snips": "self-normalized IPS: sum(w r) / sum(w)",
        "dm": "direct method: the reward model's expected reward under the target",
        "dr": "doubly robust: DM plus the weighted residual of the reward model on the logged item",
    ]
    public var seconds: Double
}

extension Engine {
    /// Estimates what `request.target` would have earned per round on the logged traffic.
    public func evaluatePolicy(_ request: PolicyEvaluationRequest) throws -> PolicyEvaluationReport {
        try request.validate()
        if case .shop(let surface) = request.source { return try evaluatePolicyOnShopLog(request, surface: surface) }
        let started = WallClock.monotonicSeconds()
        let (file, name) = try banditLogFile(request.source)
        let numbering = BanditLogNumbering(evaluated: file)
        let log = numbering.log(file)

        var recordedMass: Double?
        var unmatched: Int?
        let policy: any TargetPolicy
        switch request.target {
        case .uniform:
            policy = UniformPolicy(actionCount: log.actionCount)
        case .logged:
            policy = LoggedPolicy()
        case .greedy, .epsilon, .bandit, .model:
            throw RequestProblem(
                .invalid, code: "target_needs_shop_log",
                message: "\(request.target) needs each round's candidates, which only the shop's own exploring impressions log; evaluate it without --log",
                field: "target")
        case .log(let reference):
            let source: BanditLogFile
            let format: BanditLogFile.Format
            if case .file(_, let fileFormat) = request.source { format = fileFormat } else { format = .obd }
            if let imported = try database.writer.read({ db in try BanditLogStore.load(name: reference, in: db) }) {
                source = imported
            } else if FileManager.default.fileExists(atPath: reference) {
                source = try Self.readBanditLog(at: reference, format: format)
            } else {
                throw RequestProblem(
                    .notFound, code: "unknown_log",
                    message: "no imported bandit log and no file named '\(reference)' for the target policy", field: "target")
            }
            let (sourceLog, dropped) = numbering.policySource(source)
            let timeline = PropensityTimelinePolicy(name: request.target.description, source: sourceLog)
            recordedMass = log.rounds.indices.reduce(0) { $0 + timeline.recordedMass(inRound: $1, of: log) } / Double(log.rounds.count)
            unmatched = dropped
            policy = timeline
        }

        var warnings: [String] = []
        if let recordedMass, abs(recordedMass - 1) > 0.05 {
            warnings.append(
                "the target's last recorded probabilities sum to \(String(format: "%.2f", recordedMass)) per position on average, not 1 (a log records an item's probability when it is shown, mostly when that probability is high): they were normalized, and the target is known only that well")
        }
        var features = ["intercept", "item (one-hot)", "position (one-hot)"]
        features += file.contextFields.map { "\($0) (one-hot)" }
        if log.actionAffinity != nil { features.append("the round's affinity for the item") }
        var report = Self.estimated(policy, on: log, named: name, features: features, request: request, warnings: warnings)
        report.targetRecordedMass = recordedMass
        report.targetRowsUnmatched = unmatched
        report.seconds = WallClock.monotonicSeconds() - started
        return report
    }

    /// Fits the reward model, runs the estimators and writes the report, with the warnings every
    /// log gets (few effective rounds, no reward) after the caller's own.
    static func estimated(
        _ policy: any TargetPolicy, on log: BanditLog, named name: String, features: [String], request: PolicyEvaluationRequest,
        warnings: [String]
    ) -> PolicyEvaluationReport {
        let model = RewardModel(fitting: log, folds: min(request.folds, log.rounds.count), l2: request.l2)
        let estimates = OffPolicyEstimators.evaluate(policy, on: log, model: model, interval: request.interval, level: request.level)
        var warnings = warnings
        if estimates.effectiveSampleSize / Double(estimates.rounds) < 0.1 {
            warnings.append(
                "the importance weights rest on \(Int(estimates.effectiveSampleSize.rounded())) effective rounds of \(estimates.rounds) (largest weight \(String(format: "%.1f", estimates.maxWeight))): IPS, SNIPS and DR are unreliable here")
        }
        if !log.rounds.contains(where: { $0.reward > 0 }) { warnings.append("the log has no reward at all: every estimate is 0") }
        var interval = PolicyEvaluationReport.IntervalFacts(method: request.interval.name, level: request.level)
        if case .bootstrap(let resamples, let seed) = request.interval {
            interval.resamples = resamples
            interval.seed = seed
        }
        return PolicyEvaluationReport(
            log: .init(name: name, rounds: log.rounds.count, items: log.actionCount, slots: log.slotCount, meanReward: log.meanReward),
            target: request.target.description, ips: estimates.ips, snips: estimates.snips, dm: estimates.dm, dr: estimates.dr,
            ess: estimates.effectiveSampleSize, maxWeight: estimates.maxWeight, meanWeight: estimates.meanWeight, interval: interval,
            rewardModel: .init(
                features: features, l2: request.l2, folds: model.folds,
                crossFitting: model.folds == 1
                    ? "none: fitted and predicted on every round" : "round i is predicted by the model fitted without fold i mod \(model.folds)"),
            targetRecordedMass: nil, targetRowsUnmatched: nil, warnings: warnings, seconds: 0)
    }

    func banditLogFile(_ source: BanditLogSource) throws -> (BanditLogFile, String) {
        switch source {
        case .imported(let name):
            guard let file = try database.writer.read({ db in try BanditLogStore.load(name: name, in: db) }) else {
                let known = try banditLogs().map(\.name)
                throw RequestProblem(
                    .notFound, code: "unknown_log",
                    message: "no imported bandit log named '\(name)'"
                        + (known.isEmpty ? "; import one with `kindred import impressions FILE --format obd`" : "; imported: \(known.joined(separator: ", "))"),
                    field: "log")
            }
            return (file, name)
        case .file(let path, let format):
            return (try Self.readBanditLog(at: path, format: format), path)
        case .shop:
            preconditionFailure("the shop's log is read by evaluatePolicyOnShopLog")
        }
    }
}

extension Engine {
    /// Off-policy evaluation on the shop's own exploring lists (`impressions.exploration`).
    func evaluatePolicyOnShopLog(_ request: PolicyEvaluationRequest, surface: String) throws -> PolicyEvaluationReport {
        let started = WallClock.monotonicSeconds()
        guard ServingSettings.explorationSurfaces.contains(surface) else {
            throw RequestProblem(
                .invalid, code: "invalid_surface",
                message: "lists of \(ServingSettings.explorationSurfaces.joined(separator: " or ")) explore, not '\(surface)'", field: "surface")
        }
        var impressions = try database.writer.read { db in try ExploringImpressions.all(surface: surface, in: db) }
        // A bandit target reads the context and candidates' features each list recorded; lists
        // logged before lists recorded them cannot be weighed, and are left out.
        var skippedLists = 0
        if case .bandit = request.target {
            let before = impressions.count
            impressions.removeAll { !$0.exploration.contains("\"arms\"") }
            skippedLists = before - impressions.count
        }
        let shop = try ShopBanditLog(impressions)
        guard !shop.log.rounds.isEmpty else {
            throw RequestProblem(
                .notFound, code: "no_exploring_impressions",
                message: "the shop's impression log holds no \(surface) list that explored: set exploration.\(surface).epsilon above 0 and let traffic come, or evaluate an imported log with --log NAME",
                field: "log")
        }
        let log = shop.log
        let policy: any TargetPolicy
        switch request.target {
        case .logged: policy = LoggedPolicy()
        case .uniform: policy = EpsilonGreedyOverCandidates(epsilon: 1, candidates: shop.candidates)
        case .greedy: policy = EpsilonGreedyOverCandidates(epsilon: 0, candidates: shop.candidates)
        case .epsilon(let epsilon): policy = EpsilonGreedyOverCandidates(epsilon: epsilon, candidates: shop.candidates)
        case .bandit(let name, let parameter):
            policy = try banditTarget(name: name, parameter: parameter, version: request.banditVersion, surface: surface, shop: shop)
        case .model(let version): policy = try modelTarget(version: version, shop: shop)
        case .log:
            throw RequestProblem(
                .invalid, code: "target_needs_imported_log",
                message: "a log: target is another log's policy over the same items; evaluate it on an imported log with --log NAME",
                field: "target")
        }
        var warnings = [
            "each explorable place is a round with its own candidates (the logged pool less what the list placed before it): the estimate is per place, as if a place's click did not depend on the places above it"
        ]
        if shop.skipped > 0 { warnings.append("\(shop.skipped) places whose item was not among their logged candidates were left out") }
        if skippedLists > 0 {
            warnings.append(
                "\(skippedLists) lists logged before lists recorded their context and candidates' features were left out: the estimate is over the rest")
        }
        var report = Self.estimated(
            policy, on: log, named: "impressions (\(surface))",
            features: ["intercept", "item (one-hot, the 1,000 most frequent candidates)", "position (one-hot)", "device (one-hot)", "country (one-hot)"],
            request: request, warnings: warnings)
        // A bandit target says whose state it used.
        if case .bandit = request.target { report.target = policy.name }
        report.seconds = WallClock.monotonicSeconds() - started
        return report
    }
}
