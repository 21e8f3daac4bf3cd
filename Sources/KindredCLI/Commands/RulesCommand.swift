import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "The shop's business rules: boost, bury, pin, filter and cap, with versions.",
        discussion: """
            One rule per line:
              boost 1.5 where category = 'sale' and in_stock
              bury where price > person.p75_price
              pin P00123 at 1 for segment 'new visitors'
              filter where tags contains 'adult' for device = 'kiosk'
              cap 2 per brand
              boost 2 where category = 'seasonal/christmas' from 2026-12-01 to 2026-12-24
            Item fields (where): category (a path includes what is below it), brand, price, in_stock, tags, item_id, title, person.p75_price, person.median_price. Request fields (for): device, country, hour, segment (key or name), surface (home, product, recommendations), personalized. A change makes a new version of the rule set; serving sees it within two seconds.
            """,
        subcommands: [Add.self, List.self, Remove.self, Preview.self, Test.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add rules (one per line; all or none).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rules, or - to read them from standard input.") var text: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let rules = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            let added = try Engine.open(at: global.location).addRules(rules)
            if json {
                print(try JSONOutput.encode(added))
                return
            }
            print("rule set version \(added.version): added \(added.rules.count) rule\(added.rules.count == 1 ? "" : "s")")
            for rule in added.rules { print("  \(rule.id)  \(rule.text)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The rules in force.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let (version, rules) = try Engine.open(at: global.location).rules()
            if json {
                print(try JSONOutput.encode(RulesAdded(version: version, rules: rules)))
                return
            }
            print("rule set version \(version): \(rules.count) rule\(rules.count == 1 ? "" : "s") in force")
            for rule in rules { print("  \(rule.id)  \(rule.text)") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a rule out of force.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rule's id (see `kindred rules list`).") var id: Int64

        func run() throws {
            let version = try Engine.open(at: global.location).removeRule(id: id)
            print("rule set version \(version): removed rule \(id)")
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A person's list before and after the rules, and which rule moved which item (nothing is logged).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The person's id as the shop knows it.") var user: String
        @Option(help: "home, product or recommendations (what `for surface = ...` sees).") var surface = "home"
        @Option(name: [.customShort("k"), .customLong("k")], help: "How many items.") var k = 10
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            guard Engine.ruleSurfaces.contains(surface) else { throw ValidationError("--surface must be home, product or recommendations") }
            do { try RecommendationRequest.check(k: k) } catch { throw ValidationError(error.message) }
        }

        func run() throws {
            let preview = try Engine.open(at: global.location).previewRules(userID: user, surface: surface, k: k)
            if json {
                print(try JSONOutput.encode(preview))
                return
            }
            var lines = ["\(user) on \(surface), rule set version \(preview.ruleSetVersion)", "", "before the rules        after the rules"]
            for index in 0..<max(preview.before.count, preview.after.count) {
                let left = index < preview.before.count ? preview.before[index].itemID : ""
                let right = index < preview.after.count ? preview.after[index].itemID : ""
                lines.append("  \(String(index + 1).padding(toLength: 3, withPad: " ", startingAt: 0)) \(left.padding(toLength: 19, withPad: " ", startingAt: 0)) \(right)")
            }
            lines.append("")
            lines.append(preview.effects.isEmpty ? "no rule changed this list" : "what the rules did:")
            for effect in preview.effects {
                lines.append("  \(effect.itemID): \(effect.effect) (rule \(effect.rule): \(effect.text))")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the rules on a sample of people and report how often each fired.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "How many people (the first profiles with events).") var people = 200
        @Flag(help: "Print as JSON.") var json = false

        func validate() throws {
            guard (1...100_000).contains(people) else { throw ValidationError("--people must be 1 to 100000") }
        }

        func run() throws {
            let report = try Engine.open(at: global.location).testRules(people: people)
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            print("rule set version \(report.ruleSetVersion) on \(report.people) people's lists:")
            for rule in report.rules {
                print("  \(rule.rule)  fired in \(rule.lists) (\(String(format: "%.0f", rule.share * 100))%)  \(rule.text)")
            }
        }
    }
}
