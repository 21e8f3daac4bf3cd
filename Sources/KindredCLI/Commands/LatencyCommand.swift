import ArgumentParser
import Foundation
import KindredEngine

struct LatencyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Measure recommendation latency on this database (in process, with filters).",
        discussion: """
            Sends recommendation queries for randomly drawn users, with business rules on (in stock, a price ceiling, bought items left out), through the same code path a served request takes, and reports percentiles. Use it to size a box for a shop's own catalog. For up to 200 known people it also asks the model's candidate path (the int8 scan of factor models) and scoring every item exactly for the top k, and reports how much of the exact list the candidate path returned.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many queries.") var requests = 2_000
    @Option(name: [.customShort("k"), .customLong("k")], help: "Items per query.") var k = 10
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard requests > 0, k > 0 else { throw ValidationError("--requests and -k must be positive") }
    }

    func run() throws {
        let report = try Engine.open(at: global.location).measureLatency(requests: requests, k: k)
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(
            "\(requests) queries, k=\(k), \(Grouped.int(report.items)) items, model version \(report.modelVersion) (\(report.algorithm)), "
                + String(format: "%.0f%% personalized", report.personalizedShare * 100))
        print(
            String(
                format: "p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  mean %.3f ms", report.p50Ms, report.p90Ms, report.p99Ms,
                report.maxMs, report.meanMs))
        if let overlap = report.candidateOverlap {
            print(
                String(
                    format: "candidate path beside scoring every item: %.1f%% of the exact top %d returned (%d people)", overlap * 100, k,
                    report.overlapPeople))
        }
    }
}
