import ArgumentParser
import Foundation
import KindredEngine

/// `kindred features`: the feature store that segmentation (and later the re-ranker and the
/// bandits) read, one person at a time or as the whole matrix.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Per-person behavioural features (RFM, velocity, sessions, devices, time of day, categories).",
        discussion: """
            Features are computed from daily sums that filing and imports keep (tables person_days, person_category_days, person_session_days, item_days). Only people with analytics consent have features. With --at, features are as they were at the start of that UTC day: only earlier days count, so nothing later leaks into what trains on them.
            """,
        subcommands: [Show.self, Export.self, Items.self, Rebuild.self])

    /// `--at` and `--features`, parsed once for every subcommand.
    struct Selection: ParsableArguments {
        @Option(help: ArgumentHelp("Features as of this time (ISO 8601 or Unix): the start of its UTC day.", valueName: "time"))
        var at: String?
        @Option(help: ArgumentHelp("Columns of the matrix, comma-separated, or all (default: the segmentation set).", valueName: "names"))
        var features: String?

        func query() throws -> FeatureQuery {
            do { return try FeatureQuery.parse(at: at, features: features) } catch let problem as RequestProblem {
                throw ValidationError("--\(problem.field ?? "at"): \(problem.message)")
            }
        }

        func validate() throws { _ = try query() }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One person's features, named and explained.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The shop's user id (pseudonymized before it is looked up).") var userID: String
        @Option(help: ArgumentHelp("Features as of this time (ISO 8601 or Unix): the start of its UTC day.", valueName: "time"))
        var at: String?
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            do { _ = try FeatureQuery.parse(at: at, features: nil) } catch let problem as RequestProblem {
                throw ValidationError("--at: \(problem.message)")
            }
        }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let report = try engine.personFeatures(userID: userID, query: try FeatureQuery.parse(at: at, features: nil))
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            print("features of \(report.pseudonym.prefix(16))… as of \(report.asOf)\(report.pointInTime ? " (days before it only)" : "")")
            var rows = [["feature", "value", "meaning"]]
            for column in report.columns {
                let value = report.features[column.name] ?? nil
                rows.append([column.name, value.map(Self.format) ?? "(none)", column.meaning])
            }
            rows.append(["top_category", report.topCategory ?? "(none)", "the category of most of their events"])
            rows.append(["last_device", report.lastDevice ?? "(none)", "device class of their latest event"])
            rows.append(["country", report.country ?? "(none)", "country of their latest event"])
            rows.append(["region", report.region ?? "(none)", "region of their latest event"])
            print(ExperimentAnalysisText.table(rows).joined(separator: "\n"))
        }

        static func format(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4f", value)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the feature matrix as CSV, one row per person (pseudonym first), exactly as segmentation sees it.",
            discussion: """
                Without --standardized, raw values (empty where a feature has no value). With it, missing values take their column's mean and every column is scaled to mean 0 and standard deviation 1 (the population one, as scikit-learn's StandardScaler): the matrix segmentation clusters.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var selection: Selection
        @Option(help: ArgumentHelp("The CSV file to write (replaced atomically).", valueName: "file.csv")) var out: String
        @Flag(help: "Impute and standardize, as segmentation does.") var standardized = false
        @Flag(help: "Print what was written as JSON.") var json = false

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let written = try engine.exportFeatures(try selection.query(), standardized: standardized, to: out)
            if json {
                print(try JSONOutput.encode(["path": out, "rows": String(written.rows), "columns": written.columns.joined(separator: ",")]))
            } else {
                print(
                    "wrote \(out): \(Grouped.int(written.rows)) people x \(written.columns.count) features"
                        + "\(standardized ? " (imputed, standardized)" : "") - \(written.columns.joined(separator: ", "))")
            }
        }
    }

    struct Items: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-item features (popularity, trend, conversion, revenue, price band, age) as CSV.",
            discussion: """
                From table item_days (anonymous events included). popularity: events in the last 30 days; trend: events in the last 7 days over the 7 before; conversion_rate: purchases over views in the last 30 days; price_band: the catalog price quartile, 1 to 4; age_days: since the item was first seen.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The CSV file to write (replaced atomically).", valueName: "file.csv")) var out: String
        @Option(help: ArgumentHelp("Features as of this time (the start of its UTC day).", valueName: "time")) var at: String?

        func validate() throws {
            do { _ = try FeatureQuery.parse(at: at, features: nil) } catch let problem as RequestProblem {
                throw ValidationError("--at: \(problem.message)")
            }
        }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let rows = try engine.exportItemFeatures(try FeatureQuery.parse(at: at, features: nil), to: out)
            print("wrote \(out): \(Grouped.int(rows)) items")
        }
    }

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the feature store's daily sums from the events stored now (audited).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let rows = try engine.rebuildFeatures()
            print("rebuilt the feature store: \(Grouped.int(rows)) person-days")
        }
    }
}
