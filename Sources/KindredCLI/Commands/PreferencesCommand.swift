import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct PreferencesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preferences",
        abstract: "Say, take back or list what a person wants shown: not interested, more like this, reasons turned off.",
        discussion: """
            TARGET is item:ID, category:PATH (and everything below it) or brand:NAME; --reason-off takes purchases, cart, ratings or views ("not because of my purchases"). A change applies at once to every list the person is shown (recommendations, similar items, the live stream) and, for "not interested", to the next training. Without a change, lists the person's preferences. The same as POST /v1/users/{id}/preferences.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's id as the shop knows it.") var user: String
    @Option(help: ArgumentHelp("Never show this again.", valueName: "target")) var notInterested: String?
    @Option(help: ArgumentHelp("Lift items like this.", valueName: "target")) var moreLikeThis: String?
    @Option(help: ArgumentHelp("Do not recommend because of this kind of thing the person did.", valueName: "type")) var reasonOff: String?
    @Flag(help: "Take the preference back.") var undo = false
    @Flag(help: "Print as JSON.") var json = false

    /// The one change asked for, parsed by the rules the API uses.
    func change() throws -> (PreferenceKind, PreferenceTarget)? {
        let given = [
            (PreferenceKind.notInterested, notInterested), (.moreLikeThis, moreLikeThis), (.reasonOff, reasonOff.map { "reason:\($0)" }),
        ].compactMap { kind, text in text.map { (kind, $0) } }
        guard given.count <= 1 else { throw ValidationError("give one of --not-interested, --more-like-this and --reason-off") }
        guard let (kind, text) = given.first else { return nil }
        do {
            return (kind, try PreferenceTarget(parsing: text, field: "--" + kind.rawValue.replacingOccurrences(of: "_", with: "-")))
        } catch { throw ValidationError(error.message) }
    }

    func validate() throws {
        let change = try change()
        if undo, change == nil { throw ValidationError("--undo takes back a --not-interested, --more-like-this or --reason-off") }
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        guard let (kind, target) = try change() else {
            let preferences = try engine.preferences(userID: user)
            if json {
                print(try JSONOutput.encode(["preferences": preferences]))
            } else if preferences.isEmpty {
                print("\(user) has no preferences")
            } else {
                for preference in preferences {
                    print(
                        "\(preference.kind)  \(preference.targetType):\(preference.target)  since "
                            + TimestampFormatter.iso8601(milliseconds: preference.createdMs))
                }
            }
            return
        }
        let change = try engine.setPreference(userID: user, kind: kind, target: target, undo: undo).change
        if json {
            print(try JSONOutput.encode(change))
            return
        }
        switch change.outcome {
        case "added": print("\(user): \(kind.rawValue) \(target) recorded; it applies to every list at once")
        case "removed": print("\(user): \(kind.rawValue) \(target) taken back")
        default: print("\(user): \(kind.rawValue) \(target) unchanged (\(undo ? "there was nothing to take back" : "said before"))")
        }
        print("\(change.preferences.count) preference\(change.preferences.count == 1 ? "" : "s") in force")
    }
}
