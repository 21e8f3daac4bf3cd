import Foundation
import KindredStore

/// The latent truth of a generated shop, written beside its files as `tastes.json`: each
/// person's category shares, favourite style and habits, each item's category, style and
/// popularity. `kindred simulate` draws visitors who act on these, so that an experiment on a
/// generated shop has a right answer.
public struct ShopTastes: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var id: String
        /// Index into `categories`.
        public var category: Int
        public var style: Int
        public var popularity: Double
    }

    public struct User: Sendable, Codable, Equatable {
        public var id: String
        /// First and second favourite, indices into `categories`.
        public var favouriteCategories: [Int]
        public var style: Int
        public var device: String
        public var country: String
        public var timeZoneHours: Int
        public var peakHour: Int
        /// How often they come, relative to others.
        public var activity: Double
    }

    public var seed: UInt64
    public var styles: Int
    /// The end of the generated period (Unix ms): simulated days follow it.
    public var endMs: Int64
    public var categories: [String]
    /// A person's share of browsing in a category: this in every category, plus
    /// `favouriteShares[i]` in their i-th favourite.
    public var baselineCategoryShare: Double
    public var favouriteShares: [Double]
    public var items: [Item]
    public var users: [User]

    public static let fileName = "tastes.json"

    /// The share of a person's browsing that goes to a category.
    public func categoryShare(user: User, category: Int) -> Double {
        var share = baselineCategoryShare
        for (rank, favourite) in user.favouriteCategories.enumerated() where favourite == category { share += favouriteShares[rank] }
        return share
    }

    public static func read(fromShop directory: String) throws -> ShopTastes {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(file: path, message: "no latent tastes here; `kindred generate --out \(directory)` writes them beside the shop's files")
        }
        do {
            return try JSONDecoder().decode(ShopTastes.self, from: data)
        } catch {
            throw DataError(file: path, message: "not a tastes file written by `kindred generate`: \(error)")
        }
    }

    func write(to directory: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }
}
