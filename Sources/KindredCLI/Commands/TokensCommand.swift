import ArgumentParser
import Foundation
import KindredEngine
import KindredServer
import KindredStore

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Manage the secret user tokens are signed with, and mint tokens for tests.",
        discussion: """
            A public key sits in the shop's pages, so it acts for a named person only with that person's user token: kt1.<base64url(id)>.<expiry>.<base64url(HMAC-SHA256(secret, the part before the last dot))>. The shop's backend signs one after login with the token secret (README "User tokens" has recipes for PHP, Python and Node) and hands it to the page. The secret never goes in a page.
            """,
        subcommands: [Secret.self, Mint.self, List.self])

    struct Secret: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the token secret, or rotate it, and print it (once).",
            discussion:
                "Rotating keeps the previous secret valid for the grace period, so that tokens pages already hold keep working while the backend switches to the new one.")

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("How long the previous secret still verifies tokens: 90s, 30m, 24h, 7d, or 0.", valueName: "duration"))
        var grace = "24h"

        @Flag(help: "Print as JSON.")
        var json = false

        func validate() throws {
            guard ServerConfiguration.duration(grace) != nil else { throw ValidationError("--grace: '\(grace)' is not a duration such as 24h") }
        }

        func run() throws {
            let seconds = Int64(ServerConfiguration.duration(grace)!.rounded())
            let rotation = try Engine.open(at: global.location).rotateTokenSecret(graceSeconds: seconds)
            if json {
                print(try JSONOutput.encode(rotation))
                return
            }
            print(rotation.secret)
            var note = "created token secret \(rotation.secretID); it is shown only now: give it to the shop's backend, never to a page"
            if let previous = rotation.previousSecretID, let until = rotation.previousValidUntilMs {
                note += "\n\(previous) still verifies tokens until \(TimestampFormatter.iso8601(milliseconds: until))"
            }
            FileHandle.standardError.write(Data((note + "\n").utf8))
        }
    }

    struct Mint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a user token for a person, signed with the current secret (for tests and trying the API).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The shop's id for the person.")
        var userID: String

        @Option(help: ArgumentHelp("How long the token is valid: 90s, 30m, 1h, 7d.", valueName: "duration"))
        var ttl = "1h"

        @Flag(help: "Print as JSON.")
        var json = false

        func validate() throws {
            guard let seconds = ServerConfiguration.duration(ttl), seconds >= 1 else {
                throw ValidationError("--ttl: '\(ttl)' is not a duration of a second or more, such as 1h")
            }
        }

        func run() throws {
            let seconds = Int64(ServerConfiguration.duration(ttl)!.rounded())
            let minted = try Engine.open(at: global.location).mintUserToken(userID: userID, lifetimeSeconds: seconds)
            print(json ? try JSONOutput.encode(minted) : minted.token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List token secrets (ids and dates; never the secrets).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print as JSON.")
        var json = false

        func run() throws {
            let engine = try Engine.open(at: global.location)
            let secrets = try engine.tokenSecrets()
            if json {
                print(try JSONOutput.encode(secrets))
                return
            }
            if secrets.isEmpty { print("no token secret; create one with `kindred tokens secret`") }
            let now = engine.clock.now()
            for secret in secrets {
                let state: String
                if let until = secret.validUntilMs {
                    state = until > now ? "previous, valid until \(TimestampFormatter.iso8601(milliseconds: until))" : "retired"
                } else {
                    state = "current"
                }
                print("\(secret.secretID)  created \(TimestampFormatter.iso8601(milliseconds: secret.createdMs))  \(state)")
            }
        }
    }
}
