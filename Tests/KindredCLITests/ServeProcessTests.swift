import Foundation
import KindredTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `kindred serve` as a shop runs it: a separate process on loopback, stopped by a signal.
/// An event acknowledged with a 2xx reply must be in the database afterwards, whether the
/// process was stopped gracefully or killed outright.
@Suite(.serialized) struct ServeProcessTests {
    let directory = TemporaryDirectory()
    let database: String
    let key: String

    init() throws {
        database = directory.file("shop.sqlite")
        let created = try KindredProcess.run(["init", "--db", database], in: directory.path)
        #expect(created.status == 0, "\(created.stderr)")
        let keys = try KindredProcess.run(["keys", "create", "--role", "public", "--db", database], in: directory.path)
        key = keys.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the server and returns it with its port, once it listens.
    func start() throws -> (Process, Int) {
        let process = Process()
        process.executableURL = KindredProcess.executable
        process.arguments = ["serve", "--db", database, "--port", "0", "--retrain-every", "off", "--log-level", "warning"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(text[range].split(separator: ":").last!)!
                return (process, port)
            }
        }
        process.terminate()
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the server did not start: \(text)"])
    }

    /// Posts batches of 100 events from four clients until stopped; returns the event ids
    /// each 2xx reply acknowledged.
    final class Load: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [String] = []
        private var stopped = false

        var ids: [String] { lock.withLock { acknowledged } }
        func stop() { lock.withLock { stopped = true } }
        var isStopped: Bool { lock.withLock { stopped } }

        func run(port: Int, key: String) async {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var batch = 0
                        while !self.isStopped {
                            batch += 1
                            let ids = (0..<100).map { "c\(client)-b\(batch)-e\($0)" }
                            let events = ids.enumerated().map { n, id in
                                #"{"event_id": "\#(id)", "type": "view", "user_id": "u\#(n % 7)", "item_id": "I\#(n % 13)", "ts": \#(1_763_600_000_000 + batch * 1000 + n)}"#
                            }
                            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/events")!)
                            request.httpMethod = "POST"
                            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
                            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                            request.httpBody = Data((#"{"events": ["# + events.joined(separator: ",") + "]}").utf8)
                            guard let (_, response) = try? await URLSession.shared.data(for: request),
                                let status = (response as? HTTPURLResponse)?.statusCode
                            else { return }  // the server is gone
                            if status == 200 { self.lock.withLock { self.acknowledged += ids } }
                        }
                    }
                }
            }
        }
    }

    /// The source ids of the events in `table`, read with the sqlite3 shell; first, kindred
    /// itself must open the file as it was left.
    func storedIDs(in table: String = "events") throws -> Set<String> {
        let result = try KindredProcess.run(["status", "--db", database], in: directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        let query = Process()
        query.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        query.arguments = [database, "SELECT source_event_id FROM \(table)"]
        let output = Pipe()
        query.standardOutput = output
        try query.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        query.waitUntilExit()
        return Set(String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// The model version a recommendation response names.
    func servedVersion(port: Int) async throws -> Int? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/users/u1/recommendations?k=3")!)
        request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["model_version"] as? Int
    }

    @Test func aModelActivatedOrTrainedFromTheCommandLineIsServedWithinSeconds() async throws {
        let rows = (0..<60).map { n in "u\(n % 12),I\(n % 9),\(n % 3 == 0 ? "purchase" : "view"),2026-11-\(String(format: "%02d", 1 + n % 28))T10:00:00Z" }
        directory.write("events.csv", "user_id,item_id,type,ts\n" + rows.joined(separator: "\n") + "\n")
        #expect(try KindredProcess.run(["import", "events", "events.csv", "--db", database], in: directory.path).status == 0)
        for algorithm in ["popularity", "item-knn-cosine"] {
            let trained = try KindredProcess.run(
                ["train", "--db", database, "--algorithm", algorithm, "--validation-days", "0"], in: directory.path)
            #expect(trained.status == 0, "\(trained.stderr)")
        }
        let (server, port) = try start()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        #expect(try await servedVersion(port: port) == 2)
        // A rollback from the command line while the server runs.
        #expect(try KindredProcess.run(["activate", "1", "--db", database], in: directory.path).status == 0)
        func served(_ version: Int) async throws -> Bool {
            // Seconds on an idle machine; the window allows for a loaded one.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if try await servedVersion(port: port) == version { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        #expect(try await served(1), "the server kept the version it held")
        // A training run from the command line while the server runs.
        let trained = try KindredProcess.run(
            ["train", "--db", database, "--algorithm", "als", "--params", "factors=4,iterations=2", "--validation-days", "0"],
            in: directory.path)
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(try await served(3), "the server did not pick up version 3")
    }

    @Test func anOpenRecommendationStreamDoesNotHoldAGracefulStop() async throws {
        let admin = try KindredProcess.run(["keys", "create", "--role", "admin", "--db", database], in: directory.path)
        let adminKey = admin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, port) = try start()
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: try #require(Executable.find("curl")))
        curl.arguments = ["-sN", "-H", "Authorization: Bearer \(adminKey)", "http://127.0.0.1:\(port)/v1/users/u1/recommendations/stream"]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let opened = try await Executable.onOwnThread { () -> String in
            var text = ""
            while !text.contains("event: recommendations") {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        #expect(opened.contains("event: recommendations"), "\(opened)")
        let stopping = Date()
        server.terminate()
        while server.isRunning, Date().timeIntervalSince(stopping) < 30 { try await Task.sleep(for: .milliseconds(50)) }
        let seconds = Date().timeIntervalSince(stopping)
        if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        server.waitUntilExit()
        curl.terminate()
        // The heartbeat is 15 s and the idle timeout 15 s: ending well inside them means the stream let go.
        #expect(seconds < 10, "the server took \(seconds) s to stop with a stream open")
        #expect(server.terminationStatus == 0)
    }

    @Test func aSecondServerOnTheSameFileRefusesAndACrashLeavesNoStaleLock() throws {
        let (first, _) = try start()
        let second = try KindredProcess.run(
            ["serve", "--db", database, "--port", "0", "--retrain-every", "off"], in: directory.path)
        #expect(second.status == 1)
        #expect(second.stderr.contains("already running on \(database)"), "\(second.stderr)")
        #expect(second.stderr.contains("process \(first.processIdentifier)"), "\(second.stderr)")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // The kernel released the lock with the process.
        let (third, port) = try start()
        #expect(port > 0)
        third.terminate()
        third.waitUntilExit()
        #expect(third.terminationStatus == 0)
    }

    @Test func aFolderOfShopsIsAFolderAndComesWithoutDB() throws {
        let missing = try KindredProcess.run(["serve", "--shops", "nowhere", "--port", "0"], in: directory.path)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nowhere is not a folder of shops"), "\(missing.stderr)")
        let both = try KindredProcess.run(["serve", "--shops", ".", "--db", database, "--port", "0"], in: directory.path)
        #expect(both.status == 2)
        #expect(both.stderr.contains("--shops serves a folder of databases; leave out --db"), "\(both.stderr)")
    }

    @Test func everyAcknowledgedEventSurvivesSIGKILL() async throws {
        let (process, port) = try start()
        let load = Load()
        let running = Task { await load.run(port: port, key: key) }
        while load.ids.count < 2_000 { try await Task.sleep(for: .milliseconds(20)) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        load.stop()
        await running.value
        let acknowledged = load.ids
        // On disk: in events, or in the inbox that the server had not filed yet.
        let stored = try storedIDs().union(try storedIDs(in: "event_inbox"))
        #expect(acknowledged.count >= 2_000)
        #expect(
            acknowledged.allSatisfy { stored.contains($0) },
            "\(acknowledged.filter { !stored.contains($0) }.count) acknowledged events lost")
        // The next start files what the inbox holds before it takes requests.
        let (restarted, _) = try start()
        kill(restarted.processIdentifier, SIGTERM)
        restarted.waitUntilExit()
        let filed = try storedIDs()
        #expect(acknowledged.allSatisfy { filed.contains($0) }, "\(acknowledged.filter { !filed.contains($0) }.count) not filed")
        #expect(try storedIDs(in: "event_inbox").isEmpty)
    }

    @Test func aGracefulStopAnswersWhatItTookAndWritesIt() async throws {
        let (process, port) = try start()
        let load = Load()
        let running = Task { await load.run(port: port, key: key) }
        while load.ids.count < 1_000 { try await Task.sleep(for: .milliseconds(20)) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        load.stop()
        await running.value
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        let acknowledged = load.ids
        let stored = try storedIDs()
        #expect(
            acknowledged.allSatisfy { stored.contains($0) },
            "\(acknowledged.filter { !stored.contains($0) }.count) acknowledged events lost")
        #expect(try storedIDs(in: "event_inbox").isEmpty, "a graceful stop files the inbox")
    }
}
