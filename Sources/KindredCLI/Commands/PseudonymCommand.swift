import ArgumentParser
import KindredEngine

struct PseudonymCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pseudonym",
        abstract: "Print the pseudonym a user id is stored under.",
        discussion: """
            Useful at the sqlite3 prompt: SELECT * FROM users WHERE pseudonym = '<output>'; Needs the database's key file.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The user's id as the shop knows it.")
    var userID: String

    func run() throws {
        let engine = try Engine.open(at: global.location)
        print(engine.pseudonym(of: userID))
    }
}
