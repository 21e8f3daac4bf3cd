import ArgumentParser
import Foundation
import KindredEngine

struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Recommend items for a person (by the shop's own user id).",
        discussion: """
            People the model does not know, or who have no history, get the non-personalized ranking (popular in their country, trending, popular), marked "personalized: false". Recent events since the last training are folded in.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The person's id as the shop knows it.") var user: String
    @Option(name: [.customShort("k"), .customLong("k")], help: "How many items.") var k = 10
    @Option(help: ArgumentHelp("Only these categories (and below).", valueName: "path,...")) var category: String?
    @Option(help: ArgumentHelp("Not these categories.", valueName: "path,...")) var excludeCategory: String?
    @Option(help: "Lowest price.") var minPrice: Double?
    @Option(help: "Highest price.") var maxPrice: Double?
    @Flag(inversion: .prefixedNo, help: "Only items in stock.") var inStock = true
    @Option(help: ArgumentHelp("Item ids to leave out.", valueName: "id,...")) var exclude: String?
    @Flag(inversion: .prefixedNo, help: "Leave out what the person already bought.") var excludePurchased = true
    @Flag(
        inversion: .prefixedNo,
        help:
            "Leave out everything the person has seen: viewed, clicked, carted, rated or bought (default: serving.exclude_seen.recommendations)."
    ) var excludeSeen: Bool?
    @Option(help: "Device class (desktop, mobile, tablet, ...).") var device: String?
    @Option(help: "Country, for the non-personalized ranking.") var country: String?
    @Option(help: "Local hour 0-23.") var hour: Int?
    @Option(help: "Diversity trade-off 0-1 for this list (1 ranks by relevance alone; default: the shop's serving.diversity).")
    var diversity: Double?
    @Option(help: "At most this many items of one category (0: no cap; default: serving.max_per_category).") var maxPerCategory: Int?
    @Option(help: "At most this many items of one brand (0: no cap; default: serving.max_per_brand).") var maxPerBrand: Int?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        do { try RecommendationRequest.check(k: k) } catch { throw ValidationError(error.message) }
        if let hour, !(0...23).contains(hour) { throw ValidationError("--hour must be 0-23") }
        if let minPrice, let maxPrice, minPrice > maxPrice { throw ValidationError("--min-price is above --max-price") }
        do {
            try RecommendationRequest.check(diversity: diversity, maxPerCategory: maxPerCategory, maxPerBrand: maxPerBrand)
        } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        var request = RecommendationRequest(userID: user, k: k)
        request.includeCategories = split(category)
        request.excludeCategories = split(excludeCategory)
        request.minPrice = minPrice
        request.maxPrice = maxPrice
        request.inStockOnly = inStock
        request.excludeItemIDs = split(exclude)
        request.excludePurchased = excludePurchased
        request.excludeSeen = excludeSeen
        request.device = device
        request.country = country
        request.hour = hour
        request.diversity = diversity
        request.maxPerCategory = maxPerCategory
        request.maxPerBrand = maxPerBrand
        let response = try Engine.open(at: global.location).recommend(request)
        print(json ? try JSONOutput.encode(response) : RecommendationText.render(response))
    }

    private func split(_ text: String?) -> [String] {
        text?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
    }
}
