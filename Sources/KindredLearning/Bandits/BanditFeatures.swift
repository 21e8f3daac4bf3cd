import Foundation

/// The context of one request as a linear bandit sees it: the part of the day, weekday or
/// weekend, the device class (touch or mouse), and the country among the shop's main ones.
/// Each is one active slot of a small one-hot layout, so that the bandit can learn that the same
/// kind of item does better at one time, on one device or in one place than in another.
public struct BanditContext: Sendable, Equatable, Codable {
    /// 0 night (0-5 h), 1 morning (6-11 h), 2 afternoon (12-17 h), 3 evening (18-23 h).
    public var hourBand: Int
    public var weekend: Bool
    /// 0 mobile, 1 tablet, 2 desktop, 3 anything else or unknown.
    public var device: Int
    /// Index into the bandit's main countries; one past them for any other or unknown country.
    public var country: Int
    /// Index into the bandit's segments; one past them for a person in none (or not known).
    public var segment: Int
    /// Index into the bandit's main regions; one past them for any other or unknown region.
    public var region: Int

    public init(hourBand: Int, weekend: Bool, device: Int, country: Int, segment: Int = 0, region: Int = 0) {
        self.hourBand = hourBand
        self.weekend = weekend
        self.device = device
        self.country = country
        self.segment = segment
        self.region = region
    }

    /// From the local hour (0-23), the day of the week (0 Sunday ... 6 Saturday), a device
    /// class index and a country index.
    public init(hour: Int, weekday: Int, device: Int, country: Int, segment: Int = 0, region: Int = 0) {
        self.init(
            hourBand: min(3, max(0, hour) / 6), weekend: weekday == 0 || weekday == 6, device: device, country: country, segment: segment,
            region: region)
    }

    public static let hourBandNames = ["night", "morning", "afternoon", "evening"]
    public static let deviceNames = ["mobile", "tablet", "desktop", "other"]
}

/// One candidate as a linear bandit sees it: how highly the ranking placed it in the pool (the
/// model's score, as a position discount, so that scores of different algorithms compare), how
/// popular it is, its price band and its category (hashed into a few buckets).
public struct BanditArm: Sendable, Equatable {
    /// 0-based position in the ranked pool.
    public var rank: Int
    /// 0...1: log-scaled popularity relative to the most popular item.
    public var popularity: Double
    /// 0-3: price quartile within the catalog; 4: unknown.
    public var priceBand: Int
    /// 0..<BanditFeatures.categoryBuckets, or -1 for an item without a category.
    public var categoryBucket: Int

    public init(rank: Int, popularity: Double, priceBand: Int, categoryBucket: Int) {
        self.rank = rank
        self.popularity = popularity
        self.priceBand = priceBand
        self.categoryBucket = categoryBucket
    }

    /// A category's bucket: FNV-1a of its lower-cased name, stable across model versions and
    /// runs, so that what the bandit learned about a category survives retraining.
    public static func bucket(category: String?) -> Int {
        guard let category, !category.isEmpty else { return -1 }
        return Int(FNV1a.hash(category.lowercased()) % UInt64(BanditFeatures.categoryBuckets))
    }
}

/// One non-zero entry of a feature vector.
public struct SparseFeature: Sendable, Equatable {
    public var index: Int
    public var value: Double
}

/// The joint feature vector of a (context, candidate) pair: the candidate's own features (bias,
/// position discount, popularity, price band, category bucket), once on their own and once
/// crossed with every active context slot. The crosses are what make the ranking context-aware:
/// a weight on "desktop x category bucket 3" lifts that kind of item on desktops only.
///
/// Layout: block 0 holds the candidate features alone; block 1 + s holds them crossed with
/// context slot s, where the slots are 4 hour bands, weekday and weekend, 4 device classes and
/// the main countries plus one for the rest, and (when the bandit knows them) each segment plus
/// one for people in none, and the main regions plus one for the rest.
public struct BanditFeatures: Sendable, Equatable {
    public static let categoryBuckets = 8
    /// Bias, position discount, popularity, 5 price bands, the category buckets.
    public static let armWidth = 3 + 5 + categoryBuckets
    /// Where the position discount sits in block 0: the weight a fresh bandit's prior puts on
    /// the model's own order.
    public static let rankIndex = 1

    /// How many main countries have a slot of their own.
    public let countryCount: Int
    /// How many segments have a slot of their own (0: the layout has no segment slots at all).
    public let segmentCount: Int
    /// How many main regions have a slot of their own (0: no region slots at all).
    public let regionCount: Int

    public init(countryCount: Int, segmentCount: Int = 0, regionCount: Int = 0) {
        precondition(countryCount >= 0 && segmentCount >= 0 && regionCount >= 0, "a count")
        self.countryCount = countryCount
        self.segmentCount = segmentCount
        self.regionCount = regionCount
    }

    private var segmentSlots: Int { segmentCount > 0 ? segmentCount + 1 : 0 }
    private var regionSlots: Int { regionCount > 0 ? regionCount + 1 : 0 }
    public var contextSlots: Int { 4 + 2 + 4 + countryCount + 1 + segmentSlots + regionSlots }
    public var dimension: Int { Self.armWidth * (1 + contextSlots) }

    /// The context's active slots.
    public func slots(of context: BanditContext) -> [Int] {
        var slots = [
            min(3, max(0, context.hourBand)),
            4 + (context.weekend ? 1 : 0),
            6 + min(3, max(0, context.device)),
            10 + min(countryCount, max(0, context.country)),
        ]
        if segmentCount > 0 { slots.append(11 + countryCount + min(segmentCount, max(0, context.segment))) }
        if regionCount > 0 { slots.append(11 + countryCount + segmentSlots + min(regionCount, max(0, context.region))) }
        return slots
    }

    /// The candidate's features alone (offsets within a block).
    public static func armFeatures(_ arm: BanditArm) -> [SparseFeature] {
        var features = [
            SparseFeature(index: 0, value: 1),
            SparseFeature(index: rankIndex, value: 1 / log2(2 + Double(max(0, arm.rank)))),
            SparseFeature(index: 2, value: min(1, max(0, arm.popularity))),
            SparseFeature(index: 3 + min(4, max(0, arm.priceBand)), value: 1),
        ]
        if arm.categoryBucket >= 0 { features.append(SparseFeature(index: 8 + arm.categoryBucket % categoryBuckets, value: 1)) }
        return features
    }

    /// The joint vector, sorted by index.
    public func features(context: BanditContext, arm: BanditArm) -> [SparseFeature] {
        let own = Self.armFeatures(arm)
        var joint = own
        joint.reserveCapacity(own.count * 5)
        for slot in slots(of: context) {
            let offset = Self.armWidth * (1 + slot)
            for feature in own { joint.append(SparseFeature(index: offset + feature.index, value: feature.value)) }
        }
        return joint
    }
}
