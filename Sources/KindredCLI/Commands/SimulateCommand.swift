import ArgumentParser
import Foundation
import KindredEngine

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulated visitors of a generated shop: served as requests are, acting on their true tastes.",
        discussion: """
            Reads the latent tastes `kindred generate` wrote beside the shop (DIR/tastes.json); the database must hold that shop (imported, with a model). Each simulated day follows the newest event: visitors drawn by their activity browse their favourite categories, get a recommendation list through the same path GET /v1/users/{id}/recommendations takes (running experiments included), and click, add to cart and buy with probabilities from their tastes and the item's position; their events go through the event writer. Deterministic for a seed and a database.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The generated shop's directory.", valueName: "dir")) var shop: String
    @Option(help: "Simulated days.") var days = 1
    @Option(help: "Visitors per day.") var visitors = 1000
    @Option(help: "Seed of the visitors' choices.") var seed: UInt64 = 1
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days: 1 to 366") }
        guard (1...1_000_000).contains(visitors) else { throw ValidationError("--visitors: 1 to 1,000,000") }
    }

    func run() throws {
        let tastes = try ShopTastes.read(fromShop: shop)
        let settings = ShopSimulator.Settings(days: days, visitorsPerDay: visitors, seed: seed)
        let location = global.location
        let progress = Terminal.progressBar(label: "simulating")
        let report = try ShopSimulator.run(location: location, tastes: tastes, settings: settings) { done, total in
            if done % 100 == 0 || done == total { progress?(done, total) }
        }
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(
            "simulated \(Grouped.int(report.visitors)) visits over \(report.days) day\(report.days == 1 ? "" : "s") (\(report.from) to \(report.to)) in \(String(format: "%.1f", report.seconds)) s"
        )
        print(
            "\(Grouped.int(report.recommendationLists)) recommendation lists (\(Grouped.int(report.personalizedLists)) personalized): \(Grouped.int(report.clicks)) clicks, \(Grouped.int(report.addsToCart)) added to cart, \(Grouped.int(report.purchases)) bought"
        )
        for (variant, lists) in report.listsByVariant.sorted(by: { $0.key < $1.key }) {
            print("  \(variant): \(Grouped.int(lists)) lists")
        }
        print("\(Grouped.int(report.eventsStored)) of \(Grouped.int(report.eventsPosted)) events stored")
    }
}
