import Foundation

/// A way of sorting items (or people) into named groups: one group number per member, -1 for
/// none (an item without a category).
public struct Grouping: Sendable, Equatable {
    public var name: String
    public var groupNames: [String]
    public var groupOf: [Int32]

    public init(name: String, groupNames: [String], groupOf: [Int32]) {
        precondition(groupOf.allSatisfy { $0 >= -1 && Int($0) < groupNames.count }, "a group number names a group")
        self.name = name
        self.groupNames = groupNames
        self.groupOf = groupOf
    }
}

/// What recommendation lists give each group of items, beside what the group is of the catalog
/// and of what people went on to want.
public struct GroupExposure: Sendable, Equatable, Codable {
    public var group: String
    public var items: Int
    /// Position-discounted exposure (1 / log2(1 + rank) per place) of the group's items, over
    /// all exposure.
    public var exposureShare: Double
    /// The group's items over the catalog's.
    public var catalogShare: Double
    /// The group's share of the held-out relevant interactions: what people wanted.
    public var relevanceShare: Double
    /// exposure / relevance: above 1 the group is shown more than it is wanted.
    public var exposureOverRelevance: Double?
}

/// How strongly lists lean toward what is already popular.
public struct PopularityBias: Sendable, Equatable, Codable {
    /// Mean popularity (people who interacted in training) of the items placed in lists.
    public var meanRecommendedPopularity: Double
    /// Mean popularity of the catalog's items.
    public var meanCatalogPopularity: Double
    /// Share of places given to long-tail items: all but the most popular items that together
    /// draw 80% of interactions (the "short head").
    public var longTailShare: Double
    /// Share of the catalog in the long tail.
    public var longTailCatalogShare: Double
    /// Gini index of position-discounted exposure over every catalog item (0: all equal; 1:
    /// one item gets everything).
    public var exposureGini: Double
    /// Share of the catalog placed in at least one list.
    public var coverage: Double
}

/// Exposure and popularity-bias measures of a set of ranked lists, as pure functions.
public enum ExposureAudit {
    /// Position discount of a 1-based rank: 1 / log2(1 + rank).
    @inline(__always)
    public static func discount(rank: Int) -> Double { 1 / log2(1 + Double(rank)) }

    /// Position-discounted exposure of every item over `lists`.
    public static func exposure(lists: [[Int]], items: Int) -> [Double] {
        var exposure = [Double](repeating: 0, count: items)
        for list in lists {
            for (index, item) in list.enumerated() { exposure[item] += discount(rank: index + 1) }
        }
        return exposure
    }

    /// The Gini index of non-negative values: sum over i of (2i - n - 1) x_(i) / (n sum x) with
    /// x sorted ascending and i from 1 (0 when everything is 0).
    public static func gini(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = Double(sorted.count)
        let total = sorted.reduce(0, +)
        guard total > 0, sorted.count > 1 else { return 0 }
        var weighted = 0.0
        for (index, value) in sorted.enumerated() { weighted += (2 * Double(index + 1) - n - 1) * value }
        return weighted / (n * total)
    }

    /// Each group's exposure, catalog and relevance shares. `relevant` holds, per list, the items
    /// the person went on to want.
    public static func groups(_ grouping: Grouping, exposure: [Double], relevant: [Set<Int>]) -> [GroupExposure] {
        let count = grouping.groupNames.count
        var exposed = [Double](repeating: 0, count: count)
        var members = [Int](repeating: 0, count: count)
        var wanted = [Double](repeating: 0, count: count)
        for (item, group) in grouping.groupOf.enumerated() where group >= 0 {
            exposed[Int(group)] += exposure[item]
            members[Int(group)] += 1
        }
        var wantedTotal = 0.0
        for set in relevant {
            for item in set {
                wantedTotal += 1
                let group = grouping.groupOf[item]
                if group >= 0 { wanted[Int(group)] += 1 }
            }
        }
        let exposureTotal = exposure.reduce(0, +)
        let itemTotal = Double(grouping.groupOf.count)
        return (0..<count).map { group in
            let exposureShare = exposureTotal > 0 ? exposed[group] / exposureTotal : 0
            let relevanceShare = wantedTotal > 0 ? wanted[group] / wantedTotal : 0
            return GroupExposure(
                group: grouping.groupNames[group], items: members[group], exposureShare: exposureShare,
                catalogShare: itemTotal > 0 ? Double(members[group]) / itemTotal : 0, relevanceShare: relevanceShare,
                exposureOverRelevance: relevanceShare > 0 ? exposureShare / relevanceShare : nil)
        }
    }

    /// The short head: the most popular items that together draw `share` of all interactions
    /// (ties broken by item number); every other item is the long tail.
    public static func shortHead(popularity: [Double], share: Double = 0.8) -> Set<Int> {
        let total = popularity.reduce(0, +)
        guard total > 0 else { return [] }
        var head = Set<Int>()
        var sum = 0.0
        for item in popularity.indices.sorted(by: { (popularity[$0], -$0) > (popularity[$1], -$1) }) {
            guard sum < share * total else { break }
            head.insert(item)
            sum += popularity[item]
        }
        return head
    }

    public static func popularityBias(lists: [[Int]], popularity: [Double]) -> PopularityBias {
        let items = popularity.count
        let head = shortHead(popularity: popularity)
        var places = 0
        var popularitySum = 0.0
        var tailPlaces = 0
        var placed = Set<Int>()
        for list in lists {
            for item in list {
                places += 1
                popularitySum += popularity[item]
                if !head.contains(item) { tailPlaces += 1 }
                placed.insert(item)
            }
        }
        let exposure = exposure(lists: lists, items: items)
        return PopularityBias(
            meanRecommendedPopularity: places > 0 ? popularitySum / Double(places) : 0,
            meanCatalogPopularity: items > 0 ? popularity.reduce(0, +) / Double(items) : 0,
            longTailShare: places > 0 ? Double(tailPlaces) / Double(places) : 0,
            longTailCatalogShare: items > 0 ? Double(items - head.count) / Double(items) : 0,
            exposureGini: gini(exposure), coverage: items > 0 ? Double(placed.count) / Double(items) : 0)
    }
}
