import Foundation
import Testing

@testable import KindredEngine

/// The exploration record is written by hand; JSONSerialization must read back what was meant.
@Suite struct ExplorationRecordWriterTests {
    @Test func awkwardStringsAndNumbersReadBackExactly() throws {
        let awkward = ["plain", "quote \" here", "back\\slash", "new\nline\ttab\r", "bell \u{07} nul \u{00}", "ünïcødé ✓ 🛒", ""]
        var writer = ExplorationRecordWriter()
        writer.add("policy", "thompson")
        writer.add("bandit_version", Int64(12))
        writer.add("scale", 0.25)
        writer.add("whole", 3.0)
        writer.add("tiny", 1e-7)
        writer.add("draws", 128)
        writer.add("state_through", integers: [0, 9_007_199_254_740_991])
        writer.add("context", context: BanditContextRecord(hour: 23, weekday: 6, device: "mo\"bile", country: nil))
        writer.add("pool", strings: awkward)
        writer.add("arms", facts: [BanditItemFacts(popularity: 0.3328, priceBand: 4, categoryBucket: -1), .init(popularity: 1, priceBand: 0, categoryBucket: 7)])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.finished().utf8)) as? [String: Any])
        #expect(object["policy"] as? String == "thompson")
        #expect((object["bandit_version"] as? NSNumber)?.int64Value == 12)
        #expect((object["scale"] as? NSNumber)?.doubleValue == 0.25)
        #expect((object["whole"] as? NSNumber)?.doubleValue == 3)
        #expect((object["tiny"] as? NSNumber)?.doubleValue == 1e-7)
        #expect((object["draws"] as? NSNumber)?.intValue == 128)
        #expect((object["state_through"] as? [NSNumber])?.map(\.int64Value) == [0, 9_007_199_254_740_991])
        let context = try #require(object["context"] as? [String: Any])
        #expect(context["device"] as? String == "mo\"bile" && context["country"] == nil && (context["hour"] as? NSNumber)?.intValue == 23)
        #expect(object["pool"] as? [String] == awkward)
        let arms = try #require(object["arms"] as? [[NSNumber]])
        #expect(arms.map { $0.map(\.doubleValue) } == [[0.3328, 4, -1], [1, 0, 7]])
        #expect(BanditItemFacts(logged: arms[0]) == BanditItemFacts(popularity: 0.3328, priceBand: 4, categoryBucket: -1))
        #expect(ExplorationRecordWriter.number(.nan) == "0" && ExplorationRecordWriter.number(-2) == "-2")
    }
}
