import Foundation
import HummingbirdTesting
import KindredServer
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The retraining scheduler: skips when nothing is new, trains and swaps when something is,
/// and records every run in `jobs`.
@Suite struct SchedulerTests {
    @Test func aRunWithoutNewEventsIsSkippedAndRecorded() throws {
        let harness = try ServerHarness()
        guard case .skipped(let reason) = harness.engine.retrainIfNeeded() else {
            Issue.record("expected a skip: the model was trained on every event")
            return
        }
        #expect(reason.contains("no events since the last model"))
        #expect(
            try DatabaseSnapshot.count(
                "jobs", in: harness.database,
                where:
                    "kind = 'train' AND status = 'skipped' AND finished_ms >= started_ms AND json_extract(details, '$.trigger') = 'scheduler'"
            )
                == 1)
        #expect(try harness.engine.models().count == 1)
    }

    @Test func theSchedulerRetrainsOnNewEventsWhileRequestsAreServed() async throws {
        let harness = try ServerHarness()
        let publicKey = harness.publicKey
        // The first tick comes 3 s after the start; the version trained before answers a
        // request first, before any event could make a retrain worth it, however loaded the machine.
        try await harness.withServer({ $0.retrainEvery = 3 }) { client, _ in
            let first = try await client.call(.get, "/v1/users/c00003/recommendations", key: publicKey)
            #expect(first.status == .ok && first.object["model_version"] as? Int == 1)
            let events = (1...20).map { n in
                #"{"type": "purchase", "user_id": "late-\#(n)", "item_id": "P\#(String(format: "%05d", n))", "ts": "2026-11-24T10:\#(String(format: "%02d", n)):00Z"}"#
            }
            #expect(
                try await client.call(.post, "/v1/events", key: publicKey, json: #"{"events": ["# + events.joined(separator: ",") + "]}")
                    .status == .ok)
            var served = 1
            var versions: Set<Int> = [1]
            let swapped = try await eventually(timeout: 60) {
                // Requests keep being answered while the run trains in the background.
                let response = try await client.call(.get, "/v1/users/c00003/recommendations", key: publicKey)
                #expect(response.status == .ok)
                served += 1
                let version = response.object["model_version"] as? Int ?? 0
                versions.insert(version)
                return version == 2
            }
            #expect(swapped, "the new version serves without a restart")
            #expect(served > 1)
            #expect(versions == [1, 2], "the version before, then the new one: \(versions)")
        }
        let job = try DatabaseSnapshot.strings(
            "SELECT status || ':' || model_version || ':' || (finished_ms >= started_ms) FROM jobs WHERE kind = 'train' AND json_extract(details, '$.trigger') = 'scheduler' AND status = 'succeeded'",
            in: harness.database)
        #expect(job == ["succeeded:2:1"])
        #expect(try DatabaseSnapshot.count("audit_log", in: harness.database, where: "action = 'train' AND actor = 'scheduler'") == 1)
    }

    @Test func aFailedRunIsRecordedWithItsError() throws {
        let harness = try ServerHarness(train: false)
        // Every event gone: training has nothing to learn from, but the run is still a job.
        try harness.database.writer.write { db in try db.execute(sql: "DELETE FROM events") }
        try harness.database.writer.write { db in
            try db.execute(sql: "INSERT INTO events (event_key, type, item_pk, ts_ms, received_ms) VALUES (1, 'search', NULL, 1, 1)")
        }
        guard case .failed(let message, let becauseOfData) = harness.engine.retrainIfNeeded() else {
            Issue.record("expected the run to fail")
            return
        }
        #expect(message.contains("no events to train on"))
        #expect(becauseOfData)
        #expect(
            try DatabaseSnapshot.count(
                "jobs", in: harness.database, where: "kind = 'train' AND status = 'failed' AND error LIKE '%no events to train on%'") == 1)
    }
}
