import Foundation
import Testing

@testable import KindredServer

/// Flags beat the environment, which beats the config file, which beats the defaults; a bad
/// value names where it came from.
@Suite struct ServerConfigurationTests {
    let file = (
        path: "kindred.json",
        data: Data(
            #"{"port": 9000, "host": "0.0.0.0", "retrain_every": "30m", "cors_origins": ["https://a.example", "https://b.example"]}"#.utf8)
    )

    @Test func eachSettingComesFromTheFirstSourceThatHasIt() throws {
        let defaults = try ServerConfiguration.resolve(flags: [:], environment: [:], configFile: nil)
        #expect(defaults == ServerConfiguration())
        #expect(defaults.retrainEvery == 3600)
        let fromFile = try ServerConfiguration.resolve(flags: [:], environment: [:], configFile: file)
        #expect(fromFile.port == 9000)
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.retrainEvery == 1800)
        #expect(fromFile.corsOrigins == ["https://a.example", "https://b.example"])
        let fromEnvironment = try ServerConfiguration.resolve(
            flags: [:], environment: ["KINDRED_PORT": "9100", "KINDRED_RETRAIN_EVERY": "off"], configFile: file)
        #expect(fromEnvironment.port == 9100)
        #expect(fromEnvironment.retrainEvery == nil)
        #expect(fromEnvironment.host == "0.0.0.0")
        let fromFlags = try ServerConfiguration.resolve(flags: [.port: "9200"], environment: ["KINDRED_PORT": "9100"], configFile: file)
        #expect(fromFlags.port == 9200)
    }

    @Test func badValuesNameTheirSource() {
        #expect(
            throws: ServerConfiguration.Invalid(source: "KINDRED_PORT", key: "port", message: "'eighty' is not a whole number in 0...65535")
        ) {
            try ServerConfiguration.resolve(flags: [:], environment: ["KINDRED_PORT": "eighty"], configFile: nil)
        }
        #expect(throws: ServerConfiguration.Invalid.self) {
            try ServerConfiguration.resolve(flags: [.retrainEvery: "soon"], environment: [:], configFile: nil)
        }
        #expect(
            throws: ServerConfiguration.Invalid(
                source: "x.json", key: "colour",
                message:
                    "unknown setting (known: host, port, retrain_every, cors_origins, max_body_bytes, max_batch_events, train_threads, log_level, durable_commits, max_queued_events, max_queued_bytes, idle_timeout)"
            )
        ) {
            try ServerConfiguration.resolve(flags: [:], environment: [:], configFile: ("x.json", Data(#"{"colour": "red"}"#.utf8)))
        }
        #expect(throws: ServerConfiguration.Invalid(source: "x.json", key: "-", message: "not a JSON object")) {
            try ServerConfiguration.resolve(flags: [:], environment: [:], configFile: ("x.json", Data("port=1".utf8)))
        }
    }

    @Test func durationsReadAsPeopleWriteThem() {
        #expect(ServerConfiguration.duration("1h") == 3600)
        #expect(ServerConfiguration.duration("30m") == 1800)
        #expect(ServerConfiguration.duration("90s") == 90)
        #expect(ServerConfiguration.duration("250ms") == 0.25)
        #expect(ServerConfiguration.duration("1d") == 86400)
        #expect(ServerConfiguration.duration("45") == 45)
        #expect(ServerConfiguration.duration("off") == 0)
        #expect(ServerConfiguration.duration("-1h") == nil)
        #expect(ServerConfiguration.duration("hourly") == nil)
    }
}
