import ArgumentParser
import Foundation
import KindredEngine

/// `kindred bandit`: the contextual bandits that explore and learn on each surface.
struct BanditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bandit",
        abstract: "The contextual bandits: what they have learned, bringing them up to date, starting afresh.",
        discussion: """
            A surface whose exploration.<surface>.policy is contextual, softmax, linucb or thompson ranks its displayed lists with a linear bandit over the request's context (hour band, weekday, device class, country, and the person's cluster segment) and each candidate's place in the model's ranking, popularity, price band and category. It learns from the clicks, carts and purchases that carry a list's request id (rewards: bandit.reward.*). `kindred serve` updates it every 250 ms; `kindred bandit update` does the same once, for a shop served by another process or not served at all.
            """,
        subcommands: [BanditStatusCommand.self, BanditUpdateCommand.self, BanditResetCommand.self, BanditReplayCommand.self])
}

struct BanditStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Every bandit version, newest first.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let versions = try Engine.open(at: global.location).banditStatus()
        if json {
            print(try JSONOutput.encode(versions))
            return
        }
        guard !versions.isEmpty else {
            print("no bandit yet: set exploration.recommendations.policy (or exploration.similar.policy) to contextual, softmax, linucb or thompson")
            return
        }
        for version in versions {
            let policy = version.policy.map { ", policy \($0)" } ?? ""
            let countries = version.countries.isEmpty ? "none" : version.countries.joined(separator: ", ")
            let segments = (version.segments.isEmpty ? "" : ", \(version.segments.count) segments")
                + (version.regions.isEmpty ? "" : ", main regions \(version.regions.joined(separator: ", "))")
            print(
                "bandit \(version.version) (\(version.surface), \(version.status)\(policy)): \(Grouped.int(version.displays)) displays, "
                    + "\(Grouped.int(version.outcomes)) outcomes, reward \(String(format: "%.1f", version.rewardTotal)); lambda \(version.lambda), "
                    + "main countries \(countries)\(segments); updated \(version.updatedAt)")
        }
    }
}

struct BanditUpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Fold the lists displayed and the outcomes filed since the last update into each bandit.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let updates = try Engine.open(at: global.location).updateBandits()
        if json {
            print(try JSONOutput.encode(updates))
            return
        }
        if updates.isEmpty { print("bandits up to date: nothing new") }
        for update in updates {
            let started = update.started ? " (started)" : ""
            print(
                "bandit \(update.version) (\(update.surface))\(started): +\(Grouped.int(update.displays)) displays, "
                    + "+\(Grouped.int(update.outcomes)) outcomes, +\(String(format: "%.1f", update.reward)) reward")
        }
    }
}

struct BanditResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Retire a surface's bandit and start a fresh one from the current bandit.* settings.",
        discussion: "The retired version keeps what it learned, in bandit_versions. Audited.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "recommendations or similar.") var surface = "recommendations"
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard ["recommendations", "similar"].contains(surface) else {
            throw ValidationError("--surface must be recommendations or similar, not '\(surface)'")
        }
    }

    func run() throws {
        let started = try Engine.open(at: global.location).resetBandit(surface: surface)
        if json {
            print(try JSONOutput.encode(["version": started.version, "retired": started.retired]))
        } else {
            let retired = started.retired.map { "; retired bandit \($0)" } ?? ""
            print("started bandit \(started.version) (\(surface))\(retired)")
        }
    }
}

struct BanditReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Decide a logged list again from its record and say whether it comes out the same (exit status 1 if not).",
        discussion: """
            The list's pool, context, settings and request id (the seed) are in its exploration record; a bandit's state is rebuilt from the lists and outcomes it had folded in when it decided. Every place must come back with the same item, probability and exploration mark. A replay that differs means a logged probability is wrong, or the log was changed; rewards are read from today's bandit.reward.* settings, so a changed reward also shows.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The request id of the list (its response's request_id).") var requestID: String
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let replay = try Engine.open(at: global.location).replayList(requestID: requestID)
        if json {
            print(try JSONOutput.encode(replay))
        } else {
            let bandit = replay.banditVersion.map { ", bandit \($0)" } ?? ""
            print("list \(replay.requestID) (\(replay.surface), \(replay.policy)\(bandit)):")
            for (place, (logged, replayed)) in zip(replay.logged, replay.replayed).enumerated() {
                let same = logged == replayed ? "" : "   replayed: \(replayed.itemID) p=\(replayed.probability)\(replayed.explored ? " explored" : "")"
                print("  \(place + 1). \(logged.itemID) p=\(logged.probability)\(logged.explored ? " explored" : "")\(same)")
            }
            print(replay.reproduced ? "reproduced" : "NOT reproduced")
        }
        if !replay.reproduced { throw ExitCode.failure }
    }

}
