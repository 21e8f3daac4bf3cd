import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

/// `kindred policies`: what other policies would have earned on logged traffic.
struct PoliciesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policies",
        abstract: "Off-policy evaluation: what another policy would have earned on a logged bandit's traffic.",
        subcommands: [PoliciesEvaluate.self, PoliciesLogs.self])
}

struct PoliciesEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Estimate a policy's mean reward per round from a bandit log, by IPS, SNIPS, DM and DR.",
        discussion: """
            The log is the shop's own impressions of lists that explored (the default; see the exploration.recommendations.* settings), an imported one (--log NAME, see `kindred import impressions`) or a file read as it is (--logs FILE --format obd).

            Targets: logged (the log's own policy: IPS, SNIPS and DR then return the log's mean reward); uniform (every candidate equally likely: on the shop's log, each place's remaining pool; on another log, every item in every position). On the shop's log: greedy (the model's choice at every place), epsilon:X (epsilon-greedy over the same candidates with another epsilon), model:V (model version V's best remaining candidate for the person at every place) and bandit:POLICY[:X] (a configuration of the surface's contextual bandit: contextual, softmax[:temperature], linucb[:alpha] or thompson[:scale], with the state of --bandit-version, by default the active one, over the context and candidates' features each list recorded); each explorable place is a round, whose candidates are the logged pool less what the list placed above it. On an imported log: log:NAME or log:FILE (the policy that wrote another log over the same items, read from its propensities: for each item, the one recorded nearest before the round's time in the round's position, normalized over the items).

            Estimators (as Open Bandit Pipeline documents them): ips, the mean of w r with w = target probability / logged propensity; snips, sum(w r) / sum(w); dm, the reward model's expected reward under the target; dr, dm plus the weighted residual of the reward model on the logged item. The reward model is an L2 logistic regression on the item, the position, the context fields and (when the log has it) the affinity for the item, cross-fitted over --folds folds. Intervals are bootstrap percentiles over resampled rounds (the reward model held fixed) or, with --interval asymptotic, normal ones (the delta method for snips). ess is the effective sample size of the weights, (sum w)^2 / sum w^2; far below the rounds, the weighted estimates rest on few rounds.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("logged, uniform, greedy, epsilon:X, model:V, bandit:POLICY[:X], or log:NAME|FILE.", valueName: "policy")) var target: String
    @Option(help: ArgumentHelp("An imported bandit log.", valueName: "name")) var log: String?
    @Option(help: ArgumentHelp("A bandit log file, read without importing it.", valueName: "file")) var logs: String?
    @Option(help: "The format of --logs and of a log:FILE target: obd.") var format: String?
    @Option(help: "Without --log: the exploring lists of this surface (recommendations or similar).") var surface = "recommendations"
    @Option(help: "For a bandit: target, the bandit version whose learned state it uses (default: the surface's active one).")
    var banditVersion: Int64?
    @Option(help: "bootstrap or asymptotic.") var interval = "bootstrap"
    @Option(help: "Bootstrap resamples.") var resamples = 1_000
    @Option(help: "The bootstrap's seed.") var seed: UInt64 = 1
    @Option(help: "The confidence level of the intervals.") var level = 0.95
    @Option(help: "Cross-fitting folds of the reward model (1: fitted and predicted on every round).") var folds = 3
    @Option(help: "The reward model's L2 penalty (scikit-learn's 1/C).") var l2 = 1.0
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        if log != nil, logs != nil { throw ValidationError("give one log: --log NAME (imported) or --logs FILE --format obd") }
        if logs != nil, format == nil { throw ValidationError("--logs needs --format obd") }
        if let format, BanditLogFile.Format(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be obd (the Open Bandit Dataset's CSV), not '\(format)'")
        }
        if interval != "bootstrap" && interval != "asymptotic" {
            throw ValidationError("--interval must be bootstrap or asymptotic, not '\(interval)'")
        }
        do { try request().validate() } catch let problem as RequestProblem {
            throw ValidationError("--\(problem.field ?? "target"): \(problem.message)")
        }
    }

    func request() throws -> PolicyEvaluationRequest {
        let fileFormat = format.flatMap { BanditLogFile.Format(rawValue: $0.lowercased()) } ?? .obd
        var request = PolicyEvaluationRequest(
            source: logs.map { .file(path: $0, format: fileFormat) } ?? log.map { .imported(name: $0) } ?? .shop(surface: surface),
            target: try PolicyTarget.parse(target),
            interval: interval == "asymptotic" ? .asymptotic : .bootstrap(resamples: resamples, seed: seed),
            level: level, folds: folds, l2: l2)
        request.banditVersion = banditVersion
        return request
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        let report = try engine.evaluatePolicy(try request())
        print(json ? try JSONOutput.encode(report) : PolicyEvaluationText.render(report))
    }
}

struct PoliciesLogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "List the imported bandit logs.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let logs = try Engine.open(at: global.location).banditLogs()
        if json {
            print(try JSONOutput.encode(logs))
            return
        }
        guard !logs.isEmpty else {
            print("no bandit logs imported; import one with `kindred import impressions FILE --format obd`")
            return
        }
        for log in logs {
            print(
                "\(log.name)  \(log.format)  \(Grouped.int(log.rounds)) rounds  \(log.items) items  \(log.slots) positions  "
                    + "mean reward \(String(format: "%.4f", log.meanReward))  imported \(log.importedAt) from \(log.sourceFile)")
        }
    }
}

/// The report as people read it.
enum PolicyEvaluationText {
    static func render(_ report: PolicyEvaluationReport) -> String {
        let percent = Int((report.interval.level * 100).rounded())
        let method =
            report.interval.method == "bootstrap"
            ? "bootstrap percentiles, \(report.interval.resamples ?? 0) resamples, seed \(report.interval.seed ?? 0)"
            : "normal approximation"
        var lines = [
            "policy \(report.target) on log \(report.log.name): \(Grouped.int(report.log.rounds)) rounds, \(report.log.items) items, "
                + "\(report.log.slots) positions; the logged policy's mean reward \(format(report.log.meanReward))",
            "",
            "estimator  value      \(percent)% interval (\(method))",
        ]
        for (name, estimate) in [("ips", report.ips), ("snips", report.snips), ("dm", report.dm), ("dr", report.dr)] {
            lines.append(
                name.padding(toLength: 11, withPad: " ", startingAt: 0) + format(estimate.value).padding(toLength: 11, withPad: " ", startingAt: 0)
                    + "\(format(estimate.ciLow)) to \(format(estimate.ciHigh))")
        }
        lines.append("")
        lines.append(
            "weights: effective sample size \(String(format: "%.1f", report.ess)) of \(Grouped.int(report.log.rounds)), "
                + "largest \(String(format: "%.2f", report.maxWeight)), mean \(String(format: "%.3f", report.meanWeight))")
        if let mass = report.targetRecordedMass {
            lines.append("target's recorded probabilities per position: sum \(String(format: "%.3f", mass)) on average (normalized to 1)")
        }
        lines.append(
            "reward model: logistic regression, l2 \(report.rewardModel.l2), \(report.rewardModel.folds) fold\(report.rewardModel.folds == 1 ? "" : "s") "
                + "(\(report.rewardModel.features.joined(separator: ", ")))")
        for warning in report.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String { String(format: "%.6f", value) }
}
