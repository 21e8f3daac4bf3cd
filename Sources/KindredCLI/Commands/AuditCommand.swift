import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

/// `kindred audit`: the audit log, and whether anyone has tampered with it.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read the audit log and verify its hash chain.",
        subcommands: [AuditVerify.self, AuditList.self])
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the audit log's hash chain and name the first row where it breaks (exit status 1).",
        discussion: """
            Each row of audit_log carries the SHA-256 of the previous row's hash and its own fields. A row edited, removed or put in by hand breaks the chain from there on. Rows cut off the end cannot be told from the chain alone: keep the head this command prints somewhere else and compare. The chain has no key, so someone who recomputes every later hash goes unseen.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let report = try Engine.open(at: global.location).verifyAuditLog()
        if json {
            print(try JSONOutput.encode(report))
        } else if report.intact {
            let unsealed = report.unsealed > 0 ? " (\(report.unsealed) from before the chain, sealed at the next entry)" : ""
            print("audit log intact: \(Grouped.int(report.rows)) rows\(unsealed), head \(report.head ?? "none")")
        } else {
            Terminal.error("audit log broken: \(report.problem ?? "")")
        }
        if !report.intact { throw ExitCode.failure }
    }
}

struct AuditList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The latest audit log entries, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many entries.") var limit = 20
    @Option(help: "Only entries of this action (import_events, train, activate, ...).") var action: String?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit is 1 to 100000, not \(limit)") }
    }

    func run() throws {
        let entries = try Engine.open(at: global.location).auditEntries(limit: limit, action: action)
        if json {
            print(try JSONOutput.encode(entries))
            return
        }
        for entry in entries {
            print("\(entry.auditPk)  \(entry.at)  \(entry.actor)  \(entry.action)  \(entry.details)")
        }
    }
}
