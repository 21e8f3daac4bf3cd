import Foundation
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Experiments that compare page layouts: a variant's layout is exactly its blocks in its
/// order, every block's impression records the exposure, a shipped layout becomes everyone's
/// page, and layouts are refused where they do not belong.
@Suite struct PageExperimentTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    static let trendingFirst = ServingStrategy.layout(["trending-in-segment", "for-you"])

    func createLayoutExperiment() throws {
        var definition = ExperimentDefinition(
            key: "home-layout", variants: [.init(name: "control"), .init(name: "trending-first", strategy: Self.trendingFirst)])
        definition.surface = "home"
        try engine.createExperiment(definition)
    }

    /// The first people (c00001 on) whose home page each variant decided.
    func pagesByVariant() throws -> [String: (PageResponse, [ImpressionRecord])] {
        var found: [String: (PageResponse, [ImpressionRecord])] = [:]
        for number in 1...300 where found.count < 2 {
            let result = try engine.pageForDisplay(PageRequest(userID: String(format: "c%05d", number)))
            if let variant = result.0.variant, found[variant] == nil { found[variant] = result }
        }
        return found
    }

    @Test func aLayoutVariantIsExactlyItsBlocksInItsOrderAndEveryBlockRecordsTheExposure() throws {
        try createLayoutExperiment()
        let pages = try pagesByVariant()
        let (treated, treatedRecords) = try #require(pages["trending-first"])
        #expect(treated.blocks.map(\.key) == ["trending-in-segment", "for-you"])
        #expect(treated.order == "experiment home-layout layout")
        #expect(treated.experiment == "home-layout")
        #expect(treatedRecords.allSatisfy { $0.exposure?.variant == "trending-first" && $0.exposure?.experiment == "home-layout" })
        let (control, controlRecords) = try #require(pages["control"])
        // The control keeps the shop's page, ordered by the person's engagement; how many blocks
        // it has depends on the person the random key put in the control (some have little
        // history), so the check is that it is not the layout.
        #expect(control.blocks.first?.key == "for-you" && control.blocks.map(\.key) != treated.blocks.map(\.key), "the control keeps the shop's page")
        #expect(control.order == "default")
        #expect(controlRecords.allSatisfy { $0.exposure?.variant == "control" })
        // The experiment decides the home page only.
        let item = control.blocks[0].items[0].itemID
        let product = try engine.pageForDisplay(PageRequest(userID: "c00001", surface: .product, itemID: item)).0
        #expect(product.experiment == nil)
        // Recommendations are another surface: no exposure there either.
        #expect(try engine.recommendForDisplay(RecommendationRequest(userID: "c00001", k: 3)).1.exposure == nil)
    }

    @Test func shippingALayoutMakesItEveryonesPage() throws {
        try createLayoutExperiment()
        _ = try engine.shipExperiment(key: "home-layout", variant: "trending-first")
        let blocks = try engine.database.writer.read { db in try BlockStore.all(in: db) }.filter { $0.surface == "home" }
        #expect(blocks.filter(\.enabled).sorted { $0.position < $1.position }.map(\.key) == ["trending-in-segment", "for-you"])
        let stranger = try engine.pageForDisplay(PageRequest(userID: "nobody-at-all")).0
        #expect(stranger.blocks.map(\.key) == ["trending-in-segment", "for-you"])
        #expect(stranger.experiment == nil)
        let product = try engine.database.writer.read { db in try BlockStore.all(in: db) }.filter { $0.surface == "product" }
        #expect(product.allSatisfy { $0.enabled }, "other pages are untouched")
    }

    @Test func layoutsAreRefusedWhereTheyDoNotBelong() throws {
        func refusal(_ surface: String, _ strategies: [ServingStrategy]) -> RequestProblem? {
            var definition = ExperimentDefinition(
                key: "x", variants: strategies.enumerated().map { .init(name: "v\($0.offset)", strategy: $0.element) })
            definition.surface = surface
            do {
                try engine.createExperiment(definition)
                return nil
            } catch { return error as? RequestProblem }
        }
        #expect(refusal("recommendations", [.default, Self.trendingFirst])?.message.contains("a layout is for a page experiment") == true)
        #expect(refusal("home", [.default, .algorithm("als")])?.message.contains("a page experiment compares layouts") == true)
        #expect(refusal("home", [.default, .layout(["no-such-block"])])?.code == "unknown_block")
        #expect(refusal("home", [.default, .layout(["similar"])])?.message.contains("is on the product page") == true)
        #expect(refusal("checkout", [.default, .default])?.field == "surface")
        for text in ["layout:", "layout:for-you,for-you", "layout:for you!"] {
            #expect(throws: RequestProblem.self, "\(text)") { try ServingStrategy(parsing: text) }
        }
        let parsed = try ExperimentDefinition.Variant(parsing: "b=layout:trending-in-segment,for-you:3")
        #expect(parsed.strategy == Self.trendingFirst && parsed.weight == 3)
        #expect(Self.trendingFirst.description == "layout:trending-in-segment,for-you")
    }
}
