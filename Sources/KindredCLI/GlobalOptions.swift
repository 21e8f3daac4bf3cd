import ArgumentParser
import Foundation
import KindredEngine

/// Options every command that touches a database shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database file (default: $KINDRED_DB or ./kindred.sqlite).", valueName: "path"))
    var db: String?

    var location: DatabaseLocation {
        DatabaseLocation.resolve(databasePath: db, environment: ProcessInfo.processInfo.environment)
    }
}
