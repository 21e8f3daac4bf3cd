import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The context a validation case carries, which a learned ranker reads as serving reads the
/// request's: the person's return after the cut (time split), the event held out for them
/// (leave-last-out), or nothing (random holdout).
@Suite struct ReturnContextTests {
    @Test func casesCarryTheMomentAndDeviceOfThePersonsReturn() throws {
        let directory = TemporaryDirectory()
        let engine = try EmptyShop.engine(in: directory)
        // Day 0 is 2026-09-01, 00:00 UTC. Each person views two items and buys four on day 0,
        // buys another on day 40 (a Sunday) at 10:00 on a tablet, then views on a phone.
        let day0: Int64 = 1_788_220_800
        var csv = "user_id,item_id,type,ts,device\n"
        for person in 1...4 {
            csv += "u\(person),A,view,\(day0),desktop\n"
            csv += "u\(person),B,view,\(day0 + 60),desktop\n"
            for bought in 1...4 { csv += "u\(person),E\(bought),purchase,\(day0 + 120),desktop\n" }
            csv += "u\(person),C\(person),purchase,\(day0 + 40 * 86_400 + 36_000),tablet\n"
            csv += "u\(person),D,view,\(day0 + 41 * 86_400),mobile\n"
        }
        let events = directory.write("events.csv", csv)
        _ = try engine.importFile(at: events, request: ImportRequest(kind: .events, fileName: events, format: .csv))
        let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: false)
        var options = EvaluationOptions()
        options.relevantKinds = [.purchase]
        options.minimumEvaluated = 1
        let returned = RankingContext(atMs: (day0 + 40 * 86_400 + 36_000) * 1000, localHour: nil, device: "tablet")
        #expect(returned == RankingContext(hour: 10, weekday: 0, device: .tablet))
        for method in [SplitMethod.time, .last] {
            options.split = method
            let split = try #require(TimeSplit.evaluable(data, options: options))
            #expect(split.evaluation.cases.count == 4, "\(method)")
            #expect(split.evaluation.cases.allSatisfy { $0.context == returned }, "\(method): \(split.evaluation.cases.map(\.context))")
        }
        options.split = .random
        let random = try #require(TimeSplit.evaluable(data, options: options))
        #expect(!random.evaluation.cases.isEmpty && random.evaluation.cases.allSatisfy { $0.context == .unknown })
    }
}
