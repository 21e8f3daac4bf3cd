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
                    reason: Self.awkwardStrings.randomElement(using: &random)!)
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

    @Test func aNumberThatIsNotFiniteIsLeftToTheEncoder() {
        let item = Recommendation(itemID: "a", title: nil, category: nil, price: nil, score: .nan, reason: "r")
        let response = RecommendationResponse(requestID: nil, items: [item], personalized: false, modelVersion: nil, algorithm: "als")
        #expect(RecommendationJSON.encode(response) == nil)
    }
}
