import ArgumentParser
import KindredEngine

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new database and its pseudonymization key.",
        discussion: """
            Creates the SQLite database with the whole schema, and a new random key in <db>.key (mode 0600; KINDRED_KEY_FILE names another path). An existing key file is reused, as when restoring from a backup. Keep the key file safe and out of the database's backups: without it, new events cannot be linked to existing users; with it and a copy of the database, pseudonyms can be checked against guessed ids.
            """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let location = global.location
        let (engine, createdKey) = try Engine.create(at: location)
        let version = try engine.status().schemaVersion
        print("created \(location.databasePath) (schema version \(version))")
        print(
            createdKey
                ? "wrote a new pseudonymization key to \(location.keyPath) (mode 0600)" : "using the existing key in \(location.keyPath)")
    }
}
