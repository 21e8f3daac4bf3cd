import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Pages of content blocks: each block filled by its source, no item twice, the person's
/// preferences everywhere, the order learnt from their engagement, and the shop's own blocks.
@Suite struct PageTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    func page(_ user: String?, surface: PageRequest.Surface = .home, item: String? = nil) throws -> (PageResponse, [ImpressionRecord]) {
        try engine.pageForDisplay(PageRequest(userID: user, surface: surface, itemID: item))
    }

    /// Files events now, as the shop's tracker would have sent them.
    func file(_ rows: [(user: String, item: String, type: String, requestID: String?)]) throws {
        let now = Date()
        var csv = "user_id,item_id,type,ts,request_id\n"
        for (index, row) in rows.enumerated() {
            let when = ISO8601DateFormatter().string(from: now.addingTimeInterval(Double(index - rows.count)))
            csv += "\(row.user),\(row.item),\(row.type),\(when),\(row.requestID ?? "")\n"
        }
        let path = directory.write("events-\(UUID().uuidString).csv", csv)
        _ = try engine.importFile(at: path, request: ImportRequest(kind: .events, fileName: path, format: .csv))
    }

    @Test func aHomePageHasTitledBlocksEachWithItsOwnRequestIDAndNoItemTwice() throws {
        let (page, records) = try page("c00010")
        #expect(page.surface == "home")
        #expect(page.blocks.count >= 2)
        #expect(page.blocks.first?.key == "for-you", "the shop's order before any engagement")
        #expect(page.order == "default")
        #expect(page.blocks.allSatisfy { !$0.title.isEmpty && !$0.items.isEmpty && !$0.reason.isEmpty })
        #expect(!page.blocks.contains { $0.title.contains("{") }, "placeholders are filled")
        let ids = page.blocks.flatMap { $0.items.map(\.itemID) }
        #expect(Set(ids).count == ids.count, "an item appears in one block only")
        #expect(Set(page.blocks.map(\.requestID)).count == page.blocks.count)
        #expect(records.map(\.requestID) == page.blocks.map(\.requestID))
        #expect(records.map(\.block) == page.blocks.map(\.key))
        #expect(zip(records, page.blocks).allSatisfy { $0.items.map(\.itemID) == $1.items.map(\.itemID) })
    }

    @Test func aProductPageStartsFromItsItemAndNeverShowsIt() throws {
        let item = try engine.recommend(RecommendationRequest(userID: "c00010", k: 1)).items[0].itemID
        let (page, _) = try page("c00010", surface: .product, item: item)
        #expect(page.blocks.map(\.key).contains("similar"))
        #expect(!page.blocks.flatMap(\.items).contains { $0.itemID == item })
        #expect(throws: RequestProblem.self) { _ = try self.page("c00010", surface: .product) }
        #expect { _ = try self.page("c00010", surface: .product, item: "NOPE") } throws: { ($0 as? RequestProblem)?.code == "unknown_item" }
    }

    @Test func continueAndBecauseYouViewedFollowWhatThePersonJustDid() throws {
        let garden = try engine.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT item_id FROM items WHERE category LIKE 'garden/%' AND in_stock = 1 ORDER BY item_id LIMIT 2")
        }
        try file([("page-newcomer", garden[0], "view", nil), ("page-newcomer", garden[1], "add_to_cart", nil)])
        let (page, _) = try page("page-newcomer")
        let resume = try #require(page.blocks.first { $0.key == "continue" })
        #expect(resume.items.map(\.itemID) == [garden[1], garden[0]], "newest first")
        #expect(resume.items.first?.reason == "still in your cart")
        let viewed = try #require(page.blocks.first { $0.key == "because-you-viewed" })
        #expect(viewed.title.hasPrefix("Because you viewed "))
        // Once bought, it is not "left off" any more.
        try file([("page-newcomer", garden[1], "purchase", nil)])
        let after = try self.page("page-newcomer").0
        let leftOff = after.blocks.first { $0.key == "continue" }?.items.map(\.itemID) ?? []
        #expect(!leftOff.contains(garden[1]))
        #expect(leftOff == [garden[0]])
    }

    @Test func anItemBackInStockShowsUpInItsBlock() throws {
        let item = try engine.database.writer.read { db in try String.fetchOne(db, sql: "SELECT item_id FROM items ORDER BY item_pk LIMIT 1")! }
        _ = try engine.putItem(item, body: Data(#"{"in_stock": false}"#.utf8))
        #expect(try page("c00010").0.blocks.first { $0.key == "back-in-stock" } == nil, "nothing restocked yet")
        _ = try engine.putItem(item, body: Data(#"{"in_stock": true}"#.utf8))
        let restocked = try page("c00010").0
        let block = try #require(restocked.blocks.first { $0.key == "back-in-stock" })
        #expect(block.items.map(\.itemID) == [item], "the one item restocked, unless an earlier block showed it")
    }

    @Test func anItemListedAfterTheOpeningStockIsANewArrivalOnceTrained() throws {
        #expect(try page("c00010").0.blocks.first { $0.key == "new-arrivals" } == nil, "the first import is the opening stock")
        // Listed a day later (the engine's clock is the system's: move the opening stock back).
        try engine.database.writer.write { db in try db.execute(sql: "UPDATE items SET created_ms = created_ms - 2 * 86400000") }
        _ = try engine.putItem("FRESH-1", body: Data(#"{"title": "Fresh Green Jug", "category": "tableware/dining", "price": 12}"#.utf8))
        try file([("c00011", "FRESH-1", "view", nil), ("c00012", "FRESH-1", "purchase", nil)])
        try SmallShop.train(engine)
        let block = try #require(try page("c00010").0.blocks.first { $0.key == "new-arrivals" })
        #expect(block.items.map(\.itemID) == ["FRESH-1"])
    }

    @Test func notInterestedHoldsOnEveryBlock() throws {
        let (before, _) = try page("c00010")
        let shown = Set(before.blocks.flatMap { $0.items.map(\.itemID) })
        for itemID in shown {
            _ = try engine.setPreference(userID: "c00010", kind: .notInterested, target: try PreferenceTarget(parsing: "item:\(itemID)"))
        }
        let (after, _) = try page("c00010")
        #expect(Set(after.blocks.flatMap { $0.items.map(\.itemID) }).isDisjoint(with: shown))
        let item = try #require(before.blocks.first?.items.first?.itemID)
        let product = try page("c00010", surface: .product, item: item).0
        #expect(Set(product.blocks.flatMap { $0.items.map(\.itemID) }).isDisjoint(with: shown))
    }

    @Test func theOrderOfBlocksFollowsTheirEngagementRateByHand() {
        // Prior 1 in 10 with the weight of 10 lists: shown 10, engaged 4 -> (4 + 1) / 20 = 0.25;
        // shown 30, engaged 0 -> 1 / 40 = 0.025; never shown -> 0.1.
        #expect(BlockOrder.rate(shown: 10, engaged: 4) == 0.25)
        #expect(BlockOrder.rate(shown: 30, engaged: 0) == 0.025)
        let blocks = ["a", "b", "c", "d"].enumerated().map { index, key in
            BlockStore.Block(key: key, surface: "home", source: "for_you", title: key, size: 8, position: index + 1, category: nil, enabled: true)
        }
        #expect(BlockOrder.ordered(blocks, engagement: [:]).blocks.map(\.key) == ["a", "b", "c", "d"])
        #expect(BlockOrder.ordered(blocks, engagement: [:]).personalized == false)
        let ordered = BlockOrder.ordered(blocks, engagement: ["a": (30, 0), "c": (10, 4)])
        #expect(ordered.blocks.map(\.key) == ["c", "b", "d", "a"], "ties (b, d at the prior) keep the shop's order")
        #expect(ordered.personalized)
    }

    @Test func aPersonWhoEngagesWithABlockSeesItRiseOnTheirPage() throws {
        let user = "c00010"
        for _ in 0..<4 {
            let (page, records) = try page(user)
            try engine.database.writer.write { db in try ImpressionStore.write(records, in: db) }
            let trending = try #require(page.blocks.first { $0.key == "trending-in-segment" })
            try file([(user, trending.items[0].itemID, "click", trending.requestID)])
        }
        let (page, _) = try page(user)
        #expect(page.order == "engagement")
        #expect(page.blocks.first?.key == "trending-in-segment")
    }

    @Test func aSegmentsStrategyLeadsItsMembersPagesWithItsBlocks() throws {
        let defined = try engine.defineSegment(key: "everyone", rule: "purchases >= 0", name: "Everyone")
        #expect(defined.members > 0)
        let member = try #require(try (1...50).lazy.map { String(format: "c%05d", $0) }.first {
            try engine.personSegments(userID: $0).current.contains { $0.key == "everyone" }
        })
        #expect(throws: RequestProblem.self) {
            try engine.setSegmentStrategy(key: "everyone", strategy: SegmentStrategy(blocks: ["no-such-block"]))
        }
        try engine.setSegmentStrategy(key: "everyone", strategy: SegmentStrategy(blocks: ["trending-in-segment"]))
        let (page, _) = try page(member)
        #expect(page.segment == "everyone")
        #expect(page.order == "segment everyone, then default")
        #expect(page.blocks.first?.key == "trending-in-segment")
        #expect(page.blocks.first?.title == "Trending with Everyone", "the segment names its trending block")
    }

    @Test func aShopsOwnBlockKeepsToItsCategoryRule() throws {
        var change = BlockChange()
        change.source = "trending_in_segment"
        change.title = "Garden picks"
        change.category = "garden"
        change.position = 0
        let block = try engine.addBlock(key: "garden-picks", change: change)
        #expect(block.surface == "home")
        let (page, _) = try page("c00010")
        let garden = try #require(page.blocks.first { $0.key == "garden-picks" })
        #expect(garden.title == "Trending now" || garden.title == "Garden picks")
        #expect(garden.items.allSatisfy { ($0.category ?? "").hasPrefix("garden/") })
        #expect(page.blocks.first?.key == "garden-picks", "position 0 leads")

        var off = BlockChange()
        off.enabled = false
        _ = try engine.setBlock(key: "garden-picks", change: off)
        #expect(try !self.page("c00010").0.blocks.contains { $0.key == "garden-picks" })

        for (key, change, field) in [
            ("x", { var c = BlockChange(); c.source = "magic"; return c }(), "source"),
            ("x", { var c = BlockChange(); c.source = "similar"; c.surface = "home"; return c }(), "source"),
            ("x", { var c = BlockChange(); c.source = "for_you"; c.size = 0; return c }(), "size"),
            ("x", { var c = BlockChange(); c.source = "for_you"; c.category = "nowhere"; return c }(), "category"),
            ("garden-picks", { var c = BlockChange(); c.source = "for_you"; return c }(), "key"),
            ("bad key!", { var c = BlockChange(); c.source = "for_you"; return c }(), "key"),
        ] {
            #expect { _ = try engine.addBlock(key: key, change: change) } throws: { ($0 as? RequestProblem)?.field == field }
        }
        #expect(try engine.blocks().count == 10, "nine shipped and the shop's one; nothing half-added")
    }
}
