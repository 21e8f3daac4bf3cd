import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

/// `kindred import impressions`: another system's bandit log, kept apart from the shop's own
/// impressions, for `kindred policies evaluate --log NAME`.
struct ImpressionsImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impressions",
        abstract: "Import another system's bandit log (items shown with their propensities) for off-policy evaluation.",
        discussion: """
            Format obd is the Open Bandit Dataset's CSV: timestamp, item_id, position (1, 2, ...), click (0 or 1), propensity_score (the logging policy's probability of that item in that position), user_feature_* columns (the context) and optionally user-item_affinity_<item> columns (which then also list every item the policy could choose). The log is stored in tables bandit_logs and bandit_log_rounds, apart from the shop's own impressions and KPIs, in one transaction: a file with any bad row is refused whole, each bad row named by line and field (exit status 65).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The log file.") var file: String
    @Option(help: "The log's format: obd.") var format: String
    @Option(help: "The name to evaluate it by (default: the file name without extension).") var name: String?
    @Flag(help: "Replace a log imported under the same name.") var replace = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard BanditLogFile.Format(rawValue: format.lowercased()) != nil else {
            throw ValidationError("--format must be obd (the Open Bandit Dataset's CSV), not '\(format)'")
        }
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        let summary = try engine.importBanditLog(
            at: file, format: BanditLogFile.Format(rawValue: format.lowercased())!, name: name, replace: replace)
        if json {
            print(try JSONOutput.encode(summary))
        } else {
            print(
                "\(summary.replaced ? "replaced" : "imported") bandit log '\(summary.name)' from \(summary.file): "
                    + "\(Grouped.int(summary.rounds)) rounds, \(summary.items) items, \(summary.slots) positions, "
                    + "context \(summary.contextFields.isEmpty ? "none" : summary.contextFields.joined(separator: ", ")), "
                    + "mean reward \(String(format: "%.4f", summary.meanReward)) (\(String(format: "%.1f", summary.seconds)) s)")
        }
    }
}
