import Foundation
import KindredEngine

/// How `kindred serve` runs. Each setting comes from the first of: a command-line flag, an
/// environment variable (`KINDRED_PORT`), a JSON config file (`{"port": 8080}`), the default.
public struct ServerConfiguration: Sendable, Equatable {
    public static let defaultMaxBodyBytes = 4 << 20

    public var host = "127.0.0.1"
    public var port = 8080
    /// Seconds between scheduled retraining runs; nil turns the scheduler off.
    public var retrainEvery: Double? = 3600
    /// Browser origins allowed to call the API (the storefront's); empty allows none, "*" all.
    public var corsOrigins: [String] = []
    public var maxBodyBytes = defaultMaxBodyBytes
    public var maxBatchEvents = 1000
    /// Threads a training run may use beside the server.
    public var trainThreads = 2
    public var logLevel = "info"
    /// Whether every commit waits for the disk (synchronous=FULL), so that acknowledged events
    /// also survive a power cut. Off, commits survive any crash of the process (WAL,
    /// synchronous=NORMAL) and ingestion is several times faster; see docs/benchmarks.md.
    public var durableCommits = false
    /// How many events, and request bytes, may wait for the event writer before new batches
    /// are answered 503 `busy` at once (see `GroupCommitWriter.QueueLimits`).
    public var maxQueuedEvents = GroupCommitWriter.QueueLimits().events
    public var maxQueuedBytes = GroupCommitWriter.QueueLimits().bytes
    /// Seconds a connection may sit without a complete request (half its headers sent, or
    /// idle between requests) before the server closes it, so that slow clients cannot hold
    /// connections open.
    public var idleTimeout: Double = 15
    /// Seconds between heartbeats on a recommendation stream: a comment line that keeps proxies
    /// from closing a quiet connection and lets the server notice a client that went away.
    public var streamHeartbeat: Double = 15
    /// How long a dashboard sign-in lasts.
    public var dashboardSessionSeconds = 8 * 3600

    public init() {}

    /// A setting's name in files and flags, and its environment variable.
    public enum Key: String, CaseIterable, Sendable {
        case host, port
        case retrainEvery = "retrain_every"
        case corsOrigins = "cors_origins"
        case maxBodyBytes = "max_body_bytes"
        case maxBatchEvents = "max_batch_events"
        case trainThreads = "train_threads"
        case logLevel = "log_level"
        case durableCommits = "durable_commits"
        case maxQueuedEvents = "max_queued_events"
        case maxQueuedBytes = "max_queued_bytes"
        case idleTimeout = "idle_timeout"

        public var environmentVariable: String { "KINDRED_" + rawValue.uppercased() }
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var source: String
        public var key: String
        public var message: String
        public var description: String { "\(source): \(key): \(message)" }
    }

    /// Resolves every setting from flags (already parsed to text), the environment and the
    /// config file's contents (nil when there is none).
    public static func resolve(
        flags: [Key: String], environment: [String: String], configFile: (path: String, data: Data)?
    ) throws -> ServerConfiguration {
        var file: [String: String] = [:]
        if let configFile {
            guard let object = try? JSONSerialization.jsonObject(with: configFile.data) as? [String: Any] else {
                throw Invalid(source: configFile.path, key: "-", message: "not a JSON object")
            }
            let known = Set(Key.allCases.map(\.rawValue))
            for (key, value) in object {
                guard known.contains(key) else {
                    throw Invalid(
                        source: configFile.path, key: key,
                        message: "unknown setting (known: \(Key.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                switch value {
                case let text as String: file[key] = text
                case let list as [String]: file[key] = list.joined(separator: ",")
                case let number as NSNumber:
                    // Foundation hands JSON booleans over as its own NSNumber subclass.
                    let isBoolean = type(of: number) == type(of: NSNumber(value: true))
                    file[key] = isBoolean ? (number.boolValue ? "true" : "false") : number.stringValue
                default: throw Invalid(source: configFile.path, key: key, message: "expected a string or a number")
                }
            }
        }
        var configuration = ServerConfiguration()
        for key in Key.allCases {
            let found: (source: String, text: String)? =
                flags[key].map { ("--\(key.rawValue.replacingOccurrences(of: "_", with: "-"))", $0) }
                ?? environment[key.environmentVariable].map { (key.environmentVariable, $0) }
                ?? file[key.rawValue].map { (configFile?.path ?? "config", $0) }
            guard let found else { continue }
            do {
                try configuration.set(key, found.text)
            } catch let message as Message {
                throw Invalid(source: found.source, key: key.rawValue, message: message.text)
            }
        }
        return configuration
    }

    private struct Message: Error { var text: String }

    private mutating func set(_ key: Key, _ text: String) throws {
        let value = text.trimmingCharacters(in: .whitespaces)
        func integer(_ range: ClosedRange<Int>) throws -> Int {
            guard let number = Int(value), range.contains(number) else {
                throw Message(text: "'\(value)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }
        switch key {
        case .host:
            guard !value.isEmpty else { throw Message(text: "empty host") }
            host = value
        case .port: port = try integer(0...65535)
        case .retrainEvery:
            guard let seconds = Self.duration(value) else {
                throw Message(text: "'\(value)' is not a duration (examples: 1h, 30m, 90s; 0 or off turns retraining off)")
            }
            retrainEvery = seconds > 0 ? seconds : nil
        case .corsOrigins:
            corsOrigins = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        case .maxBodyBytes: maxBodyBytes = try integer(1024...(256 << 20))
        case .maxBatchEvents: maxBatchEvents = try integer(1...100_000)
        case .trainThreads: trainThreads = try integer(1...256)
        case .maxQueuedEvents: maxQueuedEvents = try integer(1...100_000_000)
        case .maxQueuedBytes: maxQueuedBytes = try integer(1024...(16 << 30))
        case .idleTimeout:
            guard let seconds = Self.duration(value), seconds > 0, seconds <= 3600 else {
                throw Message(text: "'\(value)' is not a duration from 1ms to 1h (examples: 15s, 500ms)")
            }
            idleTimeout = seconds
        case .logLevel:
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(value.lowercased()) else { throw Message(text: "one of \(levels.joined(separator: ", "))") }
            logLevel = value.lowercased()
        case .durableCommits:
            switch value.lowercased() {
            case "true", "yes", "1", "on": durableCommits = true
            case "false", "no", "0", "off": durableCommits = false
            default: throw Message(text: "'\(value)' is not true or false")
            }
        }
    }

    /// Seconds in "90s", "30m", "1h", "1d" or a plain number of seconds; 0 for "off".
    public static func duration(_ text: String) -> Double? {
        let lower = text.lowercased()
        if lower == "off" || lower == "never" { return 0 }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number >= 0, number.isFinite else { return nil }
            return number * scale
        }
        guard let number = Double(lower), number >= 0, number.isFinite else { return nil }
        return number
    }
}
