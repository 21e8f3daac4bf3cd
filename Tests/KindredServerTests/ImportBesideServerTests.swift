import Foundation
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// `kindred import events` into the file the server is using: the import is staged in short
/// transactions (migration 0006), so requests keep being answered while it runs, and it stays
/// all-or-nothing. (How long requests wait is measured by bench/import-while-serving.sh.)
@Suite struct ImportBesideServerTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(train: false, users: 50, items: 40, events: 2_000)
    }

    /// What the import thread reports back.
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var summary: Result<ImportSummary, any Error>?
        var result: Result<ImportSummary, any Error>? { lock.withLock { summary } }
        func set(_ value: Result<ImportSummary, any Error>) { lock.withLock { summary = value } }
    }

    static func log(rows: Int) -> String {
        var lines = ["event_id,user_id,item_id,type,ts,device"]
        for n in 0..<rows {
            lines.append("imp-\(n),shopper-\(n % 900),P\(String(format: "%05d", n % 40 + 1)),view,\(1_793_527_200 + n),desktop")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func requestsAreAnsweredWhileAnImportRunsAndBothAreStoredWhole() async throws {
        let harness = self.harness
        let file = harness.directory.write("big.csv", Self.log(rows: 60_000))
        let key = harness.publicKey
        let (answeredDuring, statuses, summary) = try await harness.withServer { client, _ in
            let outcome = Outcome()
            let importer = Thread {
                outcome.set(
                    Result {
                        try harness.engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
                    })
            }
            importer.start()
            // Once the import has staged its first rows, post batches until it ends.
            while outcome.result == nil, try DatabaseSnapshot.count("import_staged_events", in: harness.database) == 0 {
                try await Task.sleep(for: .milliseconds(2))
            }
            var answeredDuring = 0
            var statuses: [UInt] = []
            var sent = 0
            while outcome.result == nil {
                let events = (0..<5).map {
                    #"{"type": "click", "user_id": "live-\#($0)", "item_id": "P00001", "ts": "2026-11-20T10:00:00Z", "event_id": "live-\#(sent)-\#($0)"}"#
                }
                sent += 1
                let response = try await client.call(.post, "/v1/events", key: key, json: #"{"events": [\#(events.joined(separator: ","))]}"#)
                statuses.append(UInt(response.status.code))
                if outcome.result == nil { answeredDuring += 1 }
            }
            return (answeredDuring, statuses, try outcome.result!.get())
        }
        #expect(answeredDuring > 0, "no request was answered while the import ran")
        #expect(Set(statuses) == [200])
        #expect(summary.counts.imported == 60_000)
        #expect(try DatabaseSnapshot.count("events", in: harness.database, where: "source_event_id LIKE 'imp-%'") == 60_000)
        #expect(try DatabaseSnapshot.count("events", in: harness.database, where: "source_event_id LIKE 'live-%'") == statuses.count * 5)
        #expect(try DatabaseSnapshot.count("import_staged_events", in: harness.database) == 0)
    }
}
