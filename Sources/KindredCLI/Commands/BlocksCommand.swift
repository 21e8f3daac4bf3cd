import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

struct BlocksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocks",
        abstract: "List, add and change the content blocks pages are made of.",
        discussion: """
            A page (`kindred page`, GET /v1/users/{id}/page) shows a surface's enabled blocks, ordered for each person by how they engaged with each block, each filled by its source with items no earlier block showed. Sources: \(Engine.blockSources.joined(separator: ", ")). A title may name {item} and {segment}.
            """,
        subcommands: [List.self, Add.self, Set.self])

    /// The settings `add` and `set` share.
    struct Settings: ParsableArguments {
        @Option(help: "home or product.") var surface: String?
        @Option(help: "What fills the block.") var source: String?
        @Option(help: "The title shown; may name {item} and {segment}.") var title: String?
        @Option(help: "How many items (1-50).") var size: Int?
        @Option(help: "Where it stands in the shop's order (1 first).") var position: Int?
        @Option(help: "Only items in this category or below (an empty value clears it).") var category: String?
        @Option(help: "Whether pages show it (true or false).") var enabled: Bool?

        var change: BlockChange {
            var change = BlockChange()
            change.surface = surface
            change.source = source
            change.title = title
            change.size = size
            change.position = position
            change.category = category
            change.enabled = enabled
            return change
        }
    }

    static func render(_ blocks: [BlockStore.Block]) -> String {
        blocks.map { block in
            "\(block.surface)  \(block.position)  \(block.key)  \(block.source)  \"\(block.title)\"  \(block.size) items"
                + (block.category.map { "  category \($0)" } ?? "") + (block.enabled ? "" : "  (off)")
        }.joined(separator: "\n")
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every block, by surface and position.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let blocks = try Engine.open(at: global.location).blocks()
            print(json ? try JSONOutput.encode(["blocks": blocks]) : BlocksCommand.render(blocks))
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a shop's own block from a source and a category rule.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A key for the block (letters, digits, - and _).") var key: String
        @OptionGroup var settings: Settings
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let block = try Engine.open(at: global.location).addBlock(key: key, change: settings.change)
            print(json ? try JSONOutput.encode(block) : "added block:\n" + BlocksCommand.render([block]))
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a block's title, size, position, rule, source or whether it shows.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The block's key.") var key: String
        @OptionGroup var settings: Settings
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let block = try Engine.open(at: global.location).setBlock(key: key, change: settings.change)
            print(json ? try JSONOutput.encode(block) : "changed block:\n" + BlocksCommand.render([block]))
        }
    }
}

struct PageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "page",
        abstract: "A person's page of content blocks (for you, because you viewed, trending, ...), as the API serves it.",
        discussion: "Blocks are ordered by the person's engagement with each; an item appears in one block only. The same as GET /v1/users/{id}/page; nothing is logged as an impression.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's id as the shop knows it.") var user: String
    @Option(help: "home or product.") var surface = "home"
    @Option(help: "The product page's item (surface product).") var item: String?
    @Option(help: "Device class (desktop, mobile, tablet, ...).") var device: String?
    @Option(help: "Country, for the non-personalized ranking.") var country: String?
    @Option(help: "Local hour 0-23.") var hour: Int?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        do { _ = try PageRequest.surface(parsing: surface) } catch { throw ValidationError(error.message) }
        if surface == "product", item == nil { throw ValidationError("--surface product needs --item") }
        if let item, let problem = IdentifierRule.problem(item) { throw ValidationError("--item: \(problem)") }
        if let hour, !(0...23).contains(hour) { throw ValidationError("--hour must be 0-23") }
    }

    func run() throws {
        var request = PageRequest(userID: user, surface: try PageRequest.surface(parsing: surface), itemID: item)
        request.device = device
        request.country = country
        request.hour = hour
        let page = try Engine.open(at: global.location).pageForDisplay(request).0
        if json {
            print(try JSONOutput.encode(page))
            return
        }
        var lines = ["\(page.surface) page for \(user): \(page.blocks.count) blocks, ordered by \(page.order); model version \(page.modelVersion.map(String.init) ?? "none") (\(page.algorithm))"]
        for block in page.blocks {
            lines.append("")
            lines.append("\(block.title)  [\(block.key): \(block.reason)]")
            for (position, item) in block.items.enumerated() {
                lines.append("  \(position + 1)  \(item.itemID) \(item.title ?? ""): \(item.reason)")
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
