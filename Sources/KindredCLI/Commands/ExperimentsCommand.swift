import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

struct ExperimentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "A/B tests: start them, assign people (only with experiments consent), size and analyse them.",
        subcommands: [Create.self, Start.self, Stop.self, Ship.self, List.self, Report.self, Assign.self, Plan.self, Analyze.self, Calibrate.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create and start an experiment whose variants serve different strategies.",
            discussion: """
                Each --variant is NAME=STRATEGY[:WEIGHT], the control first. A strategy is default (what everyone gets without the experiment), algorithm:NAME (the newest model of that algorithm, kept beside the active one and retrained by the scheduler while the experiment runs; one is trained now if there is none), model:VERSION or exploration:POLICY[:X] (the active model's lists explored by epsilon_greedy, contextual, softmax, linucb or thompson instead of the exploration.recommendations.* settings, X being the policy's epsilon, temperature, alpha or scale; a weight then comes after X, as in exploration:thompson:0.25:2; shipping it makes it the settings). On a page (--surface home or product) a strategy is default or layout:BLOCK,... (exactly those blocks of `kindred blocks list`, in that order); shipping a layout makes it everyone's page. Only people with experiments and analytics consent take part; everyone else gets the default and is not counted.

                Example: kindred experiments create home-recs --variant control=algorithm:popularity --variant personal=algorithm:hybrid
                Example: kindred experiments create home-layout --surface home --variant control=default --variant trending-first=layout:trending-in-segment,for-you,new-arrivals
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key, e.g. home-recs.") var key: String
        @Option(name: .customLong("variant"), help: ArgumentHelp("A variant: NAME=STRATEGY[:WEIGHT] (repeat; the control first).", valueName: "name=strategy"))
        var variantList: [String] = []
        @Option(help: ArgumentHelp("Variants and weights, all serving the default (the older form).", valueName: "name=weight,..."))
        var variants: String?
        @Option(help: "A name for people.") var name: String?
        @Option(help: ArgumentHelp("What the experiment decides: recommendations, or the home or product page.", valueName: "surface"))
        var surface = "recommendations"
        @Option(help: "Experiments in one layer never share a person.") var layer = "main"
        @Option(help: "Share of eligible people in the experiment (0 to 1).") var traffic = 1.0
        @Option(help: ArgumentHelp("Only these device classes.", valueName: "mobile,...")) var device: String?
        @Option(help: ArgumentHelp("Only these countries (two-letter codes).", valueName: "DE,...")) var country: String?
        @Option(help: ArgumentHelp("Only members of these segments.", valueName: "key,...")) var segment: String?
        @Flag(help: "Keep it as a draft for `experiments start`.") var draft = false
        @Flag(help: "Print as JSON.") var json = false

        func definition() throws -> ExperimentDefinition {
            var parsed: [ExperimentDefinition.Variant] = try variantList.map { try ExperimentDefinition.Variant(parsing: $0) }
            if let variants {
                guard variantList.isEmpty else { throw ValidationError("use --variant or --variants, not both") }
                parsed = try variants.split(separator: ",").map { pair in
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, let weight = Double(parts[1]), weight > 0 else {
                        throw ValidationError("--variants: '\(pair)' is not name=weight with a positive weight")
                    }
                    return ExperimentDefinition.Variant(name: String(parts[0]), weight: weight)
                }
            }
            func list(_ text: String?) -> [String] {
                (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            var definition = ExperimentDefinition(key: key, name: name, variants: parsed)
            definition.surface = surface
            definition.layer = layer
            definition.trafficShare = traffic
            definition.targeting = .init(device: list(device), country: list(country), segment: list(segment))
            definition.start = !draft
            return definition
        }

        func validate() throws {
            do { try definition().check() } catch let problem as RequestProblem { throw ValidationError(problem.description) }
        }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let definition = try definition()
            // A variant's algorithm without a trained model gets one now, beside the active model.
            for case .algorithm(let algorithm) in definition.variants.map(\.strategy) where try !engine.hasServableModel(algorithm: algorithm) {
                var options = TrainOptions()
                options.algorithm = AlgorithmSpec(name: algorithm)
                options.keepBesideActive = true
                let report = try engine.train(options)
                if !json { print("trained version \(report.version) (\(algorithm)) for the experiment, beside the active model") }
            }
            let summary = try engine.createExperiment(definition)
            if json {
                print(try JSONOutput.encode(summary))
            } else {
                print("\(summary.status == "running" ? "started" : "created draft") experiment \(summary.key): " + ExperimentText.variants(summary))
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each variant's people and metrics since their first exposure, the sample ratio check first.",
            discussion: """
                Metrics per person from the events within --window days of their first exposure: ctr (clicks on the experiment's recommendations per item shown, by the delta method), conversion, add_to_cart_rate, revenue_per_person, dwell_per_view, items_per_order. Person-level metrics use CUPED with the same metric in the window before exposure. Every variant is compared with the first. The result is also stored for the experiment_results view.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key.") var key: String
        @Option(help: ArgumentHelp("Also per group of people: device, country or segment.", valueName: "breakdown")) var by: String?
        @Option(help: "Days after the first exposure that count.") var window = 7.0
        @Flag(help: "Without CUPED.") var noCuped = false
        @OptionGroup var statistics: StatisticsOptions
        @Flag(help: "Print as JSON.") var json = false

        func request() throws -> ReportRequest {
            var request = ReportRequest()
            request.options = try statistics.parsed()
            request.windowDays = window
            request.cuped = !noCuped
            if let by {
                guard let breakdown = ReportRequest.Breakdown(rawValue: by) else {
                    throw ValidationError("--by: '\(by)' is not device, country or segment")
                }
                request.by = breakdown
            }
            return request
        }

        func validate() throws {
            do { try request().check() } catch let problem as RequestProblem { throw ValidationError(problem.description) }
        }

        func run() throws {
            let report = try Engine.open(at: global.location).experimentReport(key: key, request: try request())
            print(json ? try JSONOutput.encode(report) : ExperimentReportText.render(report))
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a draft experiment.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key.") var key: String

        func run() throws {
            let summary = try Engine.open(at: global.location).startExperiment(key: key)
            print("started experiment \(summary.key): " + ExperimentText.variants(summary))
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop an experiment: everyone gets the default again; its data and report stay.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key.") var key: String

        func run() throws {
            let summary = try Engine.open(at: global.location).stopExperiment(key: key)
            print("stopped experiment \(summary.key) (\(summary.variants.map { "\($0.name): \(Grouped.int($0.exposed)) exposed" }.joined(separator: ", ")))")
        }
    }

    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a variant's strategy the default: its model becomes the active one (audited); the experiment stops.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key.") var key: String
        @Argument(help: "The variant to ship.") var variant: String

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let summary = try engine.shipExperiment(key: key, variant: variant)
            let strategy = summary.variants.first { $0.name == variant }?.strategy ?? "default"
            let active = try engine.models().first { $0.status == "active" }
            print("shipped \(variant) of \(key) (\(strategy)); serving model version \(active.map { "\($0.version) (\($0.algorithm))" } ?? "none")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every experiment with its status, variants and exposures.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let experiments = try Engine.open(at: global.location).listExperiments()
            if json {
                print(try JSONOutput.encode(experiments))
                return
            }
            if experiments.isEmpty { print("no experiments; `kindred experiments create` starts one") }
            for experiment in experiments { print(ExperimentText.line(experiment)) }
        }
    }

    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The variant a person sees (recorded the first time).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The experiment's key.") var key: String
        @Argument(help: "The shop's id for the person.") var user: String
        @Option(help: "Their device class, for experiments that target devices.") var device: String?
        @Option(help: "Their country, for experiments that target countries.") var country: String?

        func run() throws {
            let assignment = try Engine.open(at: global.location).assignVariant(
                experiment: key, userID: user, device: device?.lowercased(), country: country)
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
    @Option(
        help: ArgumentHelp(
            "What the correction counts together: metric (each metric's variants) or all (every variant of every metric).",
            valueName: "scope"))
    var correctionScope = "metric"

    func parsed() throws -> ExperimentStatistics.Options {
        guard let method = MultipleComparisonCorrection(rawValue: correction) else {
            throw ValidationError("--correction: '\(correction)' is not none, holm or bh")
        }
        guard let scope = ExperimentStatistics.CorrectionScope(rawValue: correctionScope) else {
            throw ValidationError("--correction-scope: '\(correctionScope)' is not metric or all")
        }
        return .init(level: level, mode: sequential ? .sequential : .fixed, tuning: tuning, correction: method, correctionScope: scope)
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
            guard level >= 0.5, level <= 0.9999 else { throw ValidationError("--level: 0.5 to 0.9999") }
            guard tuning >= 1 else { throw ValidationError("--tuning: a number of people, at least 1") }
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

/// One-line forms of an experiment for the terminal.
enum ExperimentText {
    static func variants(_ summary: ExperimentSummary) -> String {
        summary.variants.map { "\($0.name)=\($0.strategy) (weight \(ModelText.number($0.weight)))" }.joined(separator: ", ")
    }

    static func line(_ summary: ExperimentSummary) -> String {
        var parts = ["\(summary.key)  \(summary.status)"]
        if let shipped = summary.shippedVariant { parts.append("shipped \(shipped)") }
        parts.append("layer \(summary.layer)")
        if summary.trafficShare < 1 { parts.append(String(format: "%g%% of traffic", summary.trafficShare * 100)) }
        let targeting = summary.targeting
        if !targeting.isEmpty {
            parts.append("for " + (targeting.device + targeting.country + targeting.segment.map { "segment " + $0 }).joined(separator: ", "))
        }
        parts.append(summary.variants.map { "\($0.name)=\($0.strategy): \(Grouped.int($0.exposed)) exposed" }.joined(separator: ", "))
        return parts.joined(separator: "  ")
    }
}

struct CalibrationReport: Encodable {
    var settings: ErrorRateSimulation.Settings
    var rates: ErrorRateSimulation.Rates
}
