import ArgumentParser
import Foundation
import KindredEngine

/// `kindred segments`: micro-segments learned from the feature store, and what their members do.
struct SegmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segments",
        abstract: "Micro-segments: cluster people on their features, name them, report their KPIs.",
        subcommands: [Build.self, Define.self, Refresh.self, Strategy.self, Report.self, Show.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cluster everyone with analytics consent on their standardized features and store the segments.",
            discussion: """
                k-means (k-means++ seeding, 10 restarts), gmm (Gaussian mixture, diagonal covariances, EM) or dbscan (noise becomes a segment of its own). --k auto (the default) chooses k from 2 to 8 by silhouette for k-means and BIC for mixtures, and says why. Each segment is named from the features that set its centre apart. The previous build's segments are retired: their members' stays end now and stay in the history (table segment_history).
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "kmeans, gmm or dbscan.") var algorithm = "kmeans"
        @Option(help: ArgumentHelp("Number of segments, or auto.", valueName: "n|auto")) var k = "auto"
        @Option(help: ArgumentHelp("Features to cluster on, comma-separated, or all (default: the segmentation set).", valueName: "names"))
        var features: String?
        @Option(help: "DBSCAN: neighbourhood radius, in standard deviations.") var radius: Double?
        @Option(help: "DBSCAN: people within the radius that make a core point.") var minPoints: Int?
        @Option(help: ArgumentHelp("Cluster features as of this time (the start of its UTC day), e.g. the day after a historical log ends.", valueName: "time"))
        var at: String?
        @Option(help: "Worker threads (k-means restarts run side by side; the segments do not depend on it).") var threads = 2
        @Flag(help: "Print as JSON.") var json = false

        func options() throws -> SegmentBuildOptions {
            guard (1...256).contains(threads) else { throw ValidationError("--threads: a number of threads from 1 to 256") }
            do {
                var options = try SegmentBuildOptions.parse(algorithm: algorithm, k: k, features: features, radius: radius, minPoints: minPoints, at: at)
                options.threads = threads
                return options
            } catch
                let problem as RequestProblem
            {
                throw ValidationError("--\((problem.field ?? "k").replacingOccurrences(of: "_", with: "-")): \(problem.message)")
            }
        }

        func validate() throws { _ = try options() }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let report = try engine.buildSegments(try options())
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            var lines = ["built \(report.segments.count) segments of \(Grouped.int(report.people)) people (\(report.algorithm))"]
            if let reason = report.kReason { lines.append(reason) }
            var quality: [String] = []
            if let inertia = report.inertia { quality.append("inertia \(String(format: "%.2f", inertia))") }
            if let bic = report.bic { quality.append("BIC \(String(format: "%.1f", bic))") }
            if let silhouette = report.silhouette { quality.append("silhouette \(String(format: "%.3f", silhouette))") }
            if !quality.isEmpty { lines.append(quality.joined(separator: ", ")) }
            lines.append("")
            var rows = [["key", "people", "share", "name"]]
            for segment in report.segments {
                rows.append([segment.key, Grouped.int(segment.size), String(format: "%.1f%%", segment.share * 100), segment.name])
            }
            lines += ExperimentAnalysisText.table(rows)
            if report.retired > 0 { lines.append("\nretired the previous build's \(report.retired) segments (their history is kept)") }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Define: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Define (or redefine) a segment by a rule over features, and fill it with who matches now.",
            discussion: """
                A rule compares features (the columns of kindred features show) with numbers or quoted text, joined by and, or, not and parentheses. Text columns: top_category, last_device, country, region (compared without regard to case). A feature without a value makes its comparison false. Builds and kindred segments refresh re-evaluate every rule.

                Example: kindred segments define evening-mobile --rule "purchases >= 3 and evening_share > 0.5 and last_device = 'mobile'"
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The segment's key: lowercase letters, digits, _ or -.") var key: String
        @Option(help: ArgumentHelp("The predicate over features.", valueName: "rule")) var rule: String
        @Option(help: "A name for people (default: the key).") var name: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let report = try engine.defineSegment(key: key, rule: rule, name: name)
            if json {
                print(try JSONOutput.encode(report))
            } else {
                print("segment \(report.key) (\(report.name)): \(Grouped.int(report.members)) people match (\(report.joined) joined, \(report.left) left)")
            }
        }
    }

    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring segments up to date now: re-assign who acted since the last update, drift the centres, re-evaluate rules.",
            discussion: """
                What kindred serve does every minute. People with events filed since the last update are standardized as the build did and moved to the nearest centre (the move is kept in segment_history); each centre moves toward its new members by the streaming k-means update, its past halved every 7 days.
                """)
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let report = try engine.refreshSegments()
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            print(
                "re-assigned \(Grouped.int(report.people)) people who acted since the last update: \(report.moved) moved, \(report.joined) joined"
                    + " (past weight x \(String(format: "%.3f", report.decay)))")
            for rule in report.rules {
                print("\(rule.key): \(Grouped.int(rule.members)) people (\(rule.joined) joined, \(rule.left) left)")
            }
        }
    }

    struct Strategy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What serving does for a segment's members: which model serves them, which categories their lists keep to.",
            discussion: """
                --serve takes the strategies experiment variants take: default (the active model), algorithm:NAME (the newest model of that algorithm, trained beside the active one) or model:VERSION. A running experiment that decides a person's response comes first; otherwise the first of their segments with a strategy applies (rule segments before clusters), and the response names it ("segment"). A request's own categories win over the strategy's.

                Example: kindred segments strategy cluster-4 --serve algorithm:popularity --exclude-category seasonal
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The segment's key.") var key: String
        @Option(help: ArgumentHelp("default, algorithm:NAME or model:VERSION.", valueName: "strategy")) var serve = "default"
        @Option(help: ArgumentHelp("Only these categories (and those below them).", valueName: "path,...")) var category: String?
        @Option(help: ArgumentHelp("Never these categories.", valueName: "path,...")) var excludeCategory: String?
        @Option(help: ArgumentHelp("Page blocks that lead members' pages, in this order (see `kindred blocks list`).", valueName: "key,..."))
        var blocks: String?
        @Flag(help: "Remove the segment's strategy.") var clear = false

        static func list(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        func validate() throws {
            do { _ = try ServingStrategy(parsing: serve) } catch let problem as RequestProblem { throw ValidationError("--serve: \(problem.message)") }
        }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            if clear {
                try engine.setSegmentStrategy(key: key, strategy: nil)
                print("segment \(key): no strategy; members get what everyone gets")
                return
            }
            let strategy = SegmentStrategy(
                serve: serve, includeCategories: Self.list(category), excludeCategories: Self.list(excludeCategory), blocks: Self.list(blocks))
            try engine.setSegmentStrategy(key: key, strategy: strategy)
            var parts = ["served by \(serve)"]
            if !strategy.includeCategories.isEmpty { parts.append("only \(strategy.includeCategories.joined(separator: ", "))") }
            if !strategy.excludeCategories.isEmpty { parts.append("never \(strategy.excludeCategories.joined(separator: ", "))") }
            if !strategy.blocks.isEmpty { parts.append("pages lead with \(strategy.blocks.joined(separator: ", "))") }
            print("segment \(key): \(parts.joined(separator: "; "))")
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each live segment's size and what its members did: CTR, conversion, order value, revenue, retention, moves.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The period, in days up to now.") var days = 30
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            guard (1...3660).contains(days) else { throw ValidationError("--days: must be from 1 to 3660") }
        }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let report = try engine.segmentsReport(days: days)
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            print(SegmentsText.render(report))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One person's segments, now and before.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The shop's user id (pseudonymized before it is looked up).") var userID: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let segments = try engine.personSegments(userID: userID)
            if json {
                print(try JSONOutput.encode(segments))
                return
            }
            if segments.current.isEmpty && segments.history.isEmpty {
                print("in no segment")
                return
            }
            for stay in segments.current { print("now: \(stay.key) \(stay.name) (since \(stay.from))") }
            for stay in segments.history { print("was: \(stay.key) \(stay.name) (\(stay.from) to \(stay.to ?? ""))") }
        }
    }
}

/// The report as a table people read.
enum SegmentsText {
    static func render(_ report: SegmentsReport) -> String {
        var lines: [String] = []
        if let s = report.segmentation {
            lines.append("segments built \(s.builtAt) by \(s.algorithm) on \(s.features.joined(separator: ", ")): \(Grouped.int(s.people)) people")
            if let reason = s.kReason { lines.append(reason) }
        }
        lines.append("what members did over the \(report.days) days since \(report.from)")
        lines.append("")
        var rows = [["key", "people", "share", "ctr", "conversion", "order value", "revenue/person", "retention", "in", "out", "name"]]
        func percent(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "" }
        func money(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "" }
        for row in report.segments {
            rows.append([
                row.key, Grouped.int(row.size), percent(row.share), percent(row.ctr), percent(row.conversion), money(row.averageOrderValue),
                money(row.revenuePerPerson), percent(row.retention), String(row.movesIn), String(row.movesOut), row.name,
            ])
        }
        lines += ExperimentAnalysisText.table(rows)
        if report.segments.isEmpty { lines.append("(no segments yet: kindred segments build)") }
        lines.append("")
        lines.append("ctr = rec clicks / items shown; conversion = rec purchases / rec clicks; retention = active in the last 7 days")
        return lines.joined(separator: "\n")
    }
}
