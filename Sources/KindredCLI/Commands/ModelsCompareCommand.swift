import ArgumentParser
import Foundation
import KindredEngine

struct ModelsCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "How far two versions agree: the overlap of the lists each serves the same people.",
        discussion: """
            Takes up to --people people both versions hold a vector for (the same sample every time), serves each of them the top --k from both versions through the serving path (no business rules, the same exploration draws; nothing is logged), and reports the mean share of items the two lists have in common.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The first version.") var first: Int64
    @Argument(help: "The second version.") var second: Int64
    @Option(name: [.customShort("k"), .customLong("k")], help: "List length.") var k = 20
    @Option(help: "How many people to compare on.") var people = 500
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard k >= 1, k <= 1000 else { throw ValidationError("--k must be between 1 and 1000") }
        guard people >= 1 else { throw ValidationError("--people must be at least 1") }
    }

    func run() throws {
        let agreement = try Engine.open(at: global.location).compareModels(first, second, k: k, people: people)
        if json {
            print(try JSONOutput.encode(agreement))
            return
        }
        print(
            "versions \(first) and \(second): \(String(format: "%.1f", agreement.meanOverlap * 100))% of the top \(k) in common on average "
                + "over \(agreement.people) people; \(String(format: "%.1f", agreement.disjointShare * 100))% of them share nothing")
    }
}
