import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

struct ExperimentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "A/B tests: start them, assign people (only with experiments consent), size and analyse them.",
        subcommands: [Create.self, Assign.self, Plan.self, Analyze.self, Calibrate.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start an experiment with weighted variants.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key, e.g. homepage-ranking.") var key: String
        @Option(help: ArgumentHelp("Variants and their weights.", valueName: "name=weight,...")) var variants: String
        @Option(help: "A name for people.") var name: String?

        func parsedVariants() throws -> [ExperimentStore.Variant] {
            try variants.split(separator: ",").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let weight = Double(parts[1]), weight > 0 else {
                    throw ValidationError("--variants: '\(pair)' is not name=weight with a positive weight")
                }
                return ExperimentStore.Variant(name: String(parts[0]), weight: weight)
            }
        }

        func validate() throws { _ = try parsedVariants() }

        func run() throws {
            try Engine.open(at: global.location).createExperiment(key: key, name: name, variants: try parsedVariants())
            print("started experiment \(key)")
        }
    }

    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The variant a person sees (recorded the first time).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key.") var key: String
        @Argument(help: "The shop's id for the person.") var user: String

        func run() throws {
            let assignment = try Engine.open(at: global.location).assignVariant(experiment: key, userID: user)
            print(assignment.variant.map { "\($0) (\(assignment.reason))" } ?? "not in the experiment (\(assignment.reason))")
        }
    }
}

/// The statistical options `analyze` shares with the reports.
struct StatisticsOptions: ParsableArguments {
    @Option(help: "Confidence level of the intervals.") var level = 0.95
    @Flag(help: "Always-valid intervals and p-values (safe to look at every day) instead of fixed-horizon ones.")
    var sequential = false
    @Option(help: "Sequential only: the total number of people where the intervals are narrowest.")
    var tuning = SequentialTest.defaultTuning
    @Option(help: ArgumentHelp("Correction for several variants: none, holm or bh (Benjamini-Hochberg).", valueName: "method"))
    var correction = "none"

    func parsed() throws -> ExperimentStatistics.Options {
        guard let method = MultipleComparisonCorrection(rawValue: correction) else {
            throw ValidationError("--correction: '\(correction)' is not none, holm or bh")
        }
        return .init(level: level, mode: sequential ? .sequential : .fixed, tuning: tuning, correction: method)
    }

    func validate() throws {
        try AnalysisRequest(options: try parsed()).validate()
    }
}

extension ExperimentsCommand {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The statistics of an experiment run elsewhere, from one summary row per variant.",
            discussion: """
                FILE is CSV with a header, one row per variant, the control first: variant,users,mean,sd for a mean metric (Welch's t-test) or variant,users,conversions for a proportion (two-proportion z-test). The sample ratio check against --weights comes first; then each variant's absolute and relative effect (delta method) with its interval and p-value.
                """)
        @Argument(help: "The summaries (CSV).") var file: String
        @Option(help: ArgumentHelp("The planned split, one weight per variant in the file's order (default: equal).", valueName: "50,50"))
        var weights: String?
        @OptionGroup var statistics: StatisticsOptions
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            if let weights { _ = try AnalysisRequest.weights(weights) }
        }

        func run() throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw DataError(file: file, message: "cannot read the file")
            }
            let request = AnalysisRequest(weights: try weights.map(AnalysisRequest.weights), options: try statistics.parsed())
            let analysis = try Engine.analyzeSummaries(try VariantSummaryFile.parse(data, file: file), request: request)
            print(json ? try JSONOutput.encode(analysis) : ExperimentAnalysisText.render(analysis))
        }
    }

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "People per variant to detect a lift in a conversion rate, and days at this shop's traffic.",
            discussion: """
                Two-sided, equal split, sized on Cohen's h (arcsine-transformed proportions). The days use the people seen in the 28 days before the latest event whom the consent policy lets into experiments; without a database only the sample size is given.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The control's conversion rate, e.g. 0.04.") var baseline: Double
        @Option(help: "The relative change worth finding, e.g. 0.1 for 10%.") var lift: Double
        @Option(help: "Chance of detecting the lift when it is real.") var power = 0.8
        @Option(help: "Chance of a false positive when there is no lift.") var alpha = 0.05
        @Option(help: "Variants, the control among them.") var variants = 2
        @Option(help: "Share of eligible traffic in the experiment.") var trafficShare = 1.0
        @Flag(help: "Print as JSON.") var json = false

        var request: PlanRequest {
            PlanRequest(baseline: baseline, lift: lift, power: power, alpha: alpha, variants: variants, trafficShare: trafficShare)
        }

        func validate() throws { try request.validate() }

        func run() throws {
            let location = global.location
            let plan =
                FileManager.default.fileExists(atPath: location.databasePath)
                ? try Engine.open(at: location).plan(request) : try Engine.plan(request)
            print(json ? try JSONOutput.encode(plan) : ExperimentAnalysisText.render(plan))
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate experiments with a known truth and count how often each test declares a difference.",
            discussion: """
                With --lift 0 (A/A) the shares are false positive rates: near 1 - level for a test looked at once, higher for the fixed-horizon test looked at every day, at most 1 - level for the sequential test however often it is looked at. With a lift they are the power.
                """)
        @Option(help: "Simulated experiments.") var experiments = 2000
        @Option(help: "Days each runs, looked at after each.") var days = 14
        @Option(help: "New people per variant per day.") var peoplePerDay = 500
        @Option(help: "The control's conversion rate.") var baseline = 0.05
        @Option(help: "The treatment's true relative lift (0: an A/A test).") var lift = 0.0
        @Option(help: "Confidence level.") var level = 0.95
        @Option(help: "Sequential tuning (people).") var tuning = SequentialTest.defaultTuning
        @Option(help: "Seed of the simulation.") var seed: UInt64 = 1
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            guard (1...1_000_000).contains(experiments) else { throw ValidationError("--experiments: 1 to 1,000,000") }
            guard (1...366).contains(days) else { throw ValidationError("--days: 1 to 366") }
            guard (2...10_000_000).contains(peoplePerDay) else { throw ValidationError("--people-per-day: 2 to 10,000,000") }
            guard baseline > 0, baseline < 1, baseline * (1 + lift) > 0, baseline * (1 + lift) < 1 else {
                throw ValidationError("--baseline and --lift: both rates must stay between 0 and 1")
            }
            guard level >= 0.5, level < 1 else { throw ValidationError("--level: at least 0.5 and below 1") }
            guard tuning > 0 else { throw ValidationError("--tuning: a positive number of people") }
        }

        func run() throws {
            let settings = ErrorRateSimulation.Settings(
                experiments: experiments, days: days, peoplePerArmPerDay: peoplePerDay, baseline: baseline, relativeLift: lift,
                level: level, tuning: tuning, seed: seed)
            let rates = ErrorRateSimulation.run(settings)
            print(json ? try JSONOutput.encode(CalibrationReport(settings: settings, rates: rates)) : ExperimentAnalysisText.render(settings, rates))
        }
    }
}

struct CalibrationReport: Encodable {
    var settings: ErrorRateSimulation.Settings
    var rates: ErrorRateSimulation.Rates
}
