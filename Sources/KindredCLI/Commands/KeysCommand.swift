import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke API keys.",
        discussion: """
            A public key is for the storefront: events, recommendations, similar items, consents; it acts for a named person only with their user token (`kindred tokens`). An ingest key is for the shop's backend: it posts events and consents for anyone and reads nothing. An admin key may do everything: catalog upkeep, models, training, metrics. Only a hash of each key is stored; the key is shown once, when it is created.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print it (once).")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("public (storefront), ingest (the shop's backend) or admin.", valueName: "role"))
        var role: String

        @Option(help: "A note saying what the key is for.")
        var label: String?

        @Flag(help: "Print as JSON.")
        var json = false

        func validate() throws {
            guard ApiRole(rawValue: role) != nil else { throw ValidationError("--role must be public, ingest or admin") }
        }

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let created = try engine.createKey(role: ApiRole(rawValue: role)!, label: label)
            if json {
                print(try JSONOutput.encode(created))
            } else {
                print(created.key)
                FileHandle.standardError.write(
                    Data("created \(created.role.rawValue) key \(created.keyID); it is shown only now, store it safely\n".utf8))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids and roles; never the keys).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print as JSON.")
        var json = false

        func run() throws {
            let keys = try Engine.open(at: global.location).keys()
            if json {
                print(try JSONOutput.encode(keys))
                return
            }
            if keys.isEmpty { print("no keys; create one with `kindred keys create --role public`") }
            for key in keys {
                let state = key.revokedMs.map { "revoked \(TimestampFormatter.iso8601(milliseconds: $0))" } ?? "active"
                print("\(key.keyID)  \(key.role.padding(toLength: 6, withPad: " ", startingAt: 0))  \(state)  \(key.label ?? "")")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id; requests with it get 401 at once.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The key id (kd_pub_..., kd_ing_... or kd_adm_..., as `kindred keys list` shows).")
        var keyID: String

        func run() throws {
            try Engine.open(at: global.location).revokeKey(keyID)
            print("revoked \(keyID)")
        }
    }
}
