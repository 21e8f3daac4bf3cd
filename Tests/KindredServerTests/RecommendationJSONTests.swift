import Foundation
import KindredLearning
import Testing

@testable import KindredEngine
@testable import KindredServer

/// The hand-written recommendation body must be the bytes `JSONEncoder` writes, whatever the
/// shop's titles and prices hold.
@Suite struct RecommendationJSONTests {
    static let awkwardStrings = [
        "", "plain", "a/b", "quote \" and \\ backslash", "\u{1}\u{8}\u{c}\n\r\t\u{1f}", "é😀\u{7f}\u{2028}", "{\"json\": [1]}",
    ]
    static let awkwardNumbers: [Double] = [0, 19, 0.1, -3.25, 1e21, 1234567.891, 5e-300, 100, 2.5e-5, -0.0, 1e-7]

    @Test func theBytesAreTheEncodersBytes() throws {
        var random = SeededGenerator(seed: 21)
        for round in 0..<300 {
            let items = (0..<(round % 12)).map { index in
                Recommendation(
                    itemID: Self.awkwardStrings.randomElement(using: &random)! + "\(index)",
                    title: Bool.random(using: &random) ? Self.awkwardStrings.randomElement(using: &random) : nil,
                    category: Bool.random(using: &random) ? Self.awkwardStrings.randomElement(using: &random) : nil,
                    price: Bool.random(using: &random) ? Self.awkwardNumbers.randomElement(using: &random) : nil,
                    score: Bool.random(using: &random)
                        ? Float(Self.awkwardNumbers.randomElement(using: &random)!) : Float.random(in: -5...5, using: &random),
                    reason: Self.awkwardStrings.randomElement(using: &random)!,
                    explored: round % 3 == 0 ? Bool.random(using: &random) : nil,
                    probability: round % 3 == 0 ? [1, 0.5, 0.0125, 2.5e-5, 1.0 / 3].randomElement(using: &random) : nil)
            }
            let response = RecommendationResponse(
                requestID: Bool.random(using: &random) ? "0f1e2d3c-\(round)" : nil, items: items, personalized: Bool.random(using: &random),
                modelVersion: Bool.random(using: &random) ? Int64.random(in: 1...1_000_000, using: &random) : nil,
                algorithm: Self.awkwardStrings.randomElement(using: &random)!)
            let expected = try JSONResponse.encoder.encode(response)
            let written = try #require(RecommendationJSON.encode(response))
            #expect(
                Data(written) == expected, "\(String(decoding: written, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
        }
    }

    @Test func aPagesBytesAreTheEncodersBytes() throws {
        var random = SeededGenerator(seed: 22)
        func awkward() -> String { Self.awkwardStrings.randomElement(using: &random)! }
        for round in 0..<200 {
            let blocks = (0..<(round % 5)).map { index in
                PageBlock(
                    key: awkward() + "\(index)", source: awkward(), title: awkward(), reason: awkward(), requestID: "r-\(round)-\(index)",
                    items: (0..<(index % 4)).map { item in
                        Recommendation(
                            itemID: awkward() + "\(item)", title: Bool.random(using: &random) ? awkward() : nil,
                            category: Bool.random(using: &random) ? awkward() : nil,
                            price: Bool.random(using: &random) ? Self.awkwardNumbers.randomElement(using: &random) : nil,
                            score: Float.random(in: -5...5, using: &random), reason: awkward())
                    })
            }
            let page = PageResponse(
                surface: Bool.random(using: &random) ? "home" : "product", itemID: Bool.random(using: &random) ? awkward() : nil,
                personalized: Bool.random(using: &random),
                modelVersion: Bool.random(using: &random) ? Int64.random(in: 1...1_000_000, using: &random) : nil, algorithm: awkward(),
                order: awkward(), segment: Bool.random(using: &random) ? awkward() : nil,
                experiment: Bool.random(using: &random) ? awkward() : nil, variant: Bool.random(using: &random) ? awkward() : nil,
                blocks: blocks)
            let expected = try JSONResponse.encoder.encode(page)
            let written = try #require(PageJSON.encode(page))
            #expect(Data(written) == expected, "\(String(decoding: written, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
        }
        let broken = PageBlock(
            key: "k", source: "s", title: "t", reason: "r", requestID: "q",
            items: [Recommendation(itemID: "a", title: nil, category: nil, price: .infinity, score: 1, reason: "r")])
        let page = PageResponse(
            surface: "home", itemID: nil, personalized: false, modelVersion: nil, algorithm: "als", order: "default", segment: nil,
            experiment: nil, variant: nil, blocks: [broken])
        #expect(PageJSON.encode(page) == nil, "a number that is not finite is left to the encoder")
    }

    @Test func aNumberThatIsNotFiniteIsLeftToTheEncoder() {
        let item = Recommendation(itemID: "a", title: nil, category: nil, price: nil, score: .nan, reason: "r")
        let response = RecommendationResponse(requestID: nil, items: [item], personalized: false, modelVersion: nil, algorithm: "als")
        #expect(RecommendationJSON.encode(response) == nil)
    }
}
