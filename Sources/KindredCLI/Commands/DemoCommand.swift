import Foundation
import ArgumentParser
import KindredEngine

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a fresh demo database from the sample shop and show what it holds.",
        discussion: """
            Replaces the demo database (default ./kindred-demo.sqlite; it refuses to replace a database that is not a demo), imports sample-data/ (the catalog, three months of events, the recent tracker events and the consent records), evaluates every algorithm on the last 30 days beside popularity, trains and activates the hybrid model, and shows recommendations for a few customers.
            """)

    @Option(
        help: ArgumentHelp(
            "The sample shop directory (default: ./sample-data, or the same shop generated afresh when there is none).",
            valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("The demo database to (re)create.", valueName: "path"))
    var db = DemoUseCase.defaultDatabasePath

    func run() throws {
        let location = DatabaseLocation(databasePath: db, keyPath: db + ".key")
        let shop = try DemoUseCase.sampleShop(at: data, log: { print($0) })
        defer { if shop.temporary { try? FileManager.default.removeItem(atPath: shop.directory) } }
        let (engine, report) = try DemoUseCase.run(dataDirectory: shop.directory, location: location, log: { print($0) })
        print("")
        print(StatusText.render(report.status, path: db))
        print("")
        let showcase = try DemoShowcase.run(engine: engine, log: { print($0) })
        print("")
        print(EvaluationText.render(showcase.evaluation))
        print("")
        let training = showcase.training
        print(
            "trained version \(training.version) (\(training.algorithm)) in \(String(format: "%.2f", training.trainingSeconds)) s; "
                + (training.activated ? "activated: " : "not activated: ") + training.reason)
        for (user, response) in showcase.recommendations {
            print("")
            print("recommendations for \(user):")
            print(RecommendationText.render(response))
        }
        if let (item, response) = showcase.similar {
            print("")
            print("similar to \(item):")
            print(RecommendationText.render(response))
        }
        print("")
        print("Explore it: sqlite3 \(db) 'SELECT * FROM top_items LIMIT 10'")
        print("            kindred recommend c00042 --db \(db)")
    }
}
