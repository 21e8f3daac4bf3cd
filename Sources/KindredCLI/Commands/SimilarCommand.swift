import ArgumentParser
import KindredEngine
import KindredStore

struct SimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similar", abstract: "Items similar to an item, by the active model.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The item's id.") var item: String
    @Option(name: [.customShort("k"), .customLong("k")], help: "How many items.") var k = 10
    @Option(help: "A person (the shop's id) whose \"not interested\" applies to the list.") var user: String?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        do { try RecommendationRequest.check(k: k) } catch { throw ValidationError(error.message) }
        if let user, let problem = IdentifierRule.problem(user) { throw ValidationError("--user: \(problem)") }
    }

    func run() throws {
        let response = try Engine.open(at: global.location).similarItems(to: item, k: k, userID: user)
        print(json ? try JSONOutput.encode(response) : RecommendationText.render(response))
    }
}
