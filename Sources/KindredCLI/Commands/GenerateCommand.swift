import ArgumentParser
import KindredEngine

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic shop (catalog, events, consents) as CSV and JSON Lines files.",
        discussion: """
            Users get latent tastes (favourite categories and a style) and item popularity follows a power law, so that personalized models have something to learn. The same seed always gives the same files. sample-data/ was made with the defaults.
            """)

    @Option(help: "Directory to write the files into.")
    var out = "sample-data"
    @Option(help: "Number of users.")
    var users = 3_000
    @Option(help: "Number of products.")
    var items = 1_000
    @Option(help: "Number of events (about).")
    var events = 150_000
    @Option(help: "Length of the period in days.")
    var days = 90
    @Option(help: ArgumentHelp("The last day of the period.", valueName: "YYYY-MM-DD"))
    var endDate = "2026-11-20"
    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    func validate() throws {
        guard users > 0, items > 0, events > 0, days > 0 else {
            throw ValidationError("--users, --items, --events and --days must be positive")
        }
        guard endDate.count == 10, SampleShopGenerator.Configuration.isValidEndDate(endDate) else {
            throw ValidationError("--end-date must be YYYY-MM-DD")
        }
    }

    func run() throws {
        var configuration = SampleShopGenerator.Configuration()
        configuration.users = users
        configuration.items = items
        configuration.events = events
        configuration.days = days
        configuration.endDate = endDate
        configuration.seed = seed
        let shop = SampleShopGenerator(configuration: configuration).generate()
        let written = try SampleShopFiles.write(shop, to: out)
        print(
            "wrote \(Grouped.int(written.items)) items, \(Grouped.int(written.events)) events and \(Grouped.int(written.consents)) consent decisions:"
        )
        for file in written.files { print("  \(file)") }
    }
}
