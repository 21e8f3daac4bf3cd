import ArgumentParser
import KindredEngine

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a fresh demo database from the sample shop and show what it holds.",
        discussion: """
            Replaces the demo database (default ./kindred-demo.sqlite; it refuses to replace a database that is not a demo) and imports sample-data/: the catalog, three months of events, the recent tracker events and the consent records.
            """)

    @Option(help: ArgumentHelp("The sample shop directory.", valueName: "dir"))
    var data = "sample-data"

    @Option(help: ArgumentHelp("The demo database to (re)create.", valueName: "path"))
    var db = DemoUseCase.defaultDatabasePath

    func run() throws {
        let location = DatabaseLocation(databasePath: db, keyPath: db + ".key")
        let (_, report) = try DemoUseCase.run(dataDirectory: data, location: location, log: { print($0) })
        print("")
        print(StatusText.render(report.status, path: db))
        print("")
        print("Explore it: sqlite3 \(db) 'SELECT * FROM top_items LIMIT 10'")
    }
}
