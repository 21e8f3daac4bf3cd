import KindredStore

/// A page of content blocks for one person on one surface.
public struct PageRequest: Sendable {
    public enum Surface: String, Sendable, CaseIterable {
        case home, product
    }

    public var userID: String?
    public var surface: Surface
    /// The product page's item (required on `product`).
    public var itemID: String?
    public var device: String?
    public var country: String?
    public var hour: Int?

    public init(userID: String?, surface: Surface = .home, itemID: String? = nil) {
        self.userID = userID
        self.surface = surface
        self.itemID = itemID
    }

    /// Reads a surface name, naming the known ones when it is not one.
    public static func surface(parsing text: String) throws(RequestProblem) -> Surface {
        guard let surface = Surface(rawValue: text) else {
            throw RequestProblem(
                .invalid, code: "invalid_parameter",
                message: "unknown surface '\(text.prefix(40))' (known: \(Surface.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: "surface")
        }
        return surface
    }
}

/// One block of a page: its own title, reason and request id (events that follow it carry
/// the id back, so that each block's engagement is measured and orders the next page).
public struct PageBlock: Sendable, Codable, Equatable {
    public var key: String
    public var source: String
    public var title: String
    public var reason: String
    public var requestID: String
    public var items: [Recommendation]
}

public struct PageResponse: Sendable, Codable, Equatable {
    public var surface: String
    public var itemID: String?
    public var personalized: Bool
    public var modelVersion: Int64?
    public var algorithm: String
    /// How the blocks were ordered: `engagement` (by this person's clicks, carts and purchases
    /// on each block) or `default` (the shop's order, before the person has engaged with any),
    /// after `segment KEY, then ` when a segment's strategy chose the leading blocks;
    /// `experiment KEY layout` when an experiment's variant fixed the blocks and their order.
    public var order: String
    /// The segment whose strategy shaped the page, when one did.
    public var segment: String?
    /// The experiment and variant that decided the page, when one did (its impressions name
    /// them too, which records the person's exposure).
    public var experiment: String?
    public var variant: String?
    public var blocks: [PageBlock]
}
