import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The item facts a learned ranker reads that come from the shop's events by context, by hand
/// on three items: how each item's last 30 days split by device class and part of the day, its
/// price against its category's mean, and its share of its category's events.
@Suite struct RerankerFactsTests {
    @Test func contextSharesAndCategoryFactsByHand() throws {
        let directory = TemporaryDirectory()
        let engine = try EmptyShop.engine(in: directory)
        let catalog = directory.write(
            "catalog.csv", "item_id,title,category,price\nA,Apron,kitchen,10\nB,Bowl,kitchen,30\nC,Chair,garden,\n")
        _ = try engine.importFile(at: catalog, request: ImportRequest(kind: .catalog, fileName: catalog, format: .csv))
        // Two days ago at 13:00 UTC, so that an event without a local hour falls in the afternoon.
        let day = (Int64(Date().timeIntervalSince1970) / 86_400 - 2) * 86_400
        let at = day + 13 * 3_600
        // A: phone in the morning, phone and desktop in the evening. B: tablet at night.
        // C: no device and no local hour.
        let events = directory.write(
            "events.csv",
            """
            user_id,item_id,type,ts,device,hour
            u1,A,view,\(at),mobile,8
            u1,A,view,\(at + 60),mobile,20
            u2,A,click,\(at + 120),desktop,20
            u2,B,view,\(at + 180),tablet,2
            u3,C,view,\(at + 240),,

            """)
        let imported = try engine.importFile(at: events, request: ImportRequest(kind: .events, fileName: events, format: .csv))
        #expect(imported.counts.imported == 5)
        let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: true, withSessions: false)
        let facts = try engine.rerankerFacts(itemPKs: data.catalog.itemPKs, catalog: data.catalog, asOfMs: nil)
        let index = Dictionary(uniqueKeysWithValues: data.catalog.itemIDs.enumerated().map { ($1, $0) })
        let (a, b, c) = (index["A"]!, index["B"]!, index["C"]!)
        func devices(_ item: Int) -> [Float] { Array(facts.deviceShare[(item * 3)..<(item * 3 + 3)]) }
        func dayparts(_ item: Int) -> [Float] { Array(facts.daypartShare[(item * 4)..<(item * 4 + 4)]) }
        #expect(devices(a) == [2.0 / 3, 0, 1.0 / 3] && dayparts(a) == [0, 1.0 / 3, 0, 2.0 / 3])
        #expect(devices(b) == [0, 1, 0] && dayparts(b) == [1, 0, 0, 0])
        #expect(devices(c) == [0, 0, 0] && dayparts(c) == [0, 0, 1, 0])
        let kitchen = Int(facts.category[a])
        #expect(facts.category[b] == facts.category[a] && facts.categoryMeanPrice[kitchen] == 20)
        #expect(facts.categoryMeanPrice[Int(facts.category[c])] == -1, "no priced item in the garden")
        #expect(facts.shareOfCategory[a] == 0.75 && facts.shareOfCategory[b] == 0.25 && facts.shareOfCategory[c] == 1)
    }
}
