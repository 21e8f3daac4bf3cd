import Foundation
import FuzzDriver
import KindredStore

/// libFuzzer's entry point: one input, run through the parser that `KINDRED_FUZZ_TARGET`
/// names. A crash, a hang (libFuzzer's -timeout) or a failed invariant (a trap) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func kindredFuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzTargets.run(FuzzTargets.selected, on: data)
    return 0
}

enum FuzzTargets {
    static let names = ["csv", "jsonl", "request-json", "timestamp"]

    static let selected: String = {
        let name = ProcessInfo.processInfo.environment["KINDRED_FUZZ_TARGET"] ?? ""
        guard names.contains(name) else {
            FileHandle.standardError.write(Data("set KINDRED_FUZZ_TARGET to one of \(names.joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return name
    }()

    static let pseudonymizer = Pseudonymizer(keyBytes: [UInt8](repeating: 7, count: 32))

    static func run(_ target: String, on data: Data) {
        switch target {
        case "csv": csv(data)
        case "jsonl": jsonLines(data)
        case "request-json": requestJSON(data)
        default: timestamp(data)
        }
    }

    /// The CSV reader alone, then an import's reading of the same bytes (header checks, fields
    /// placed by name) for each kind.
    static func csv(_ data: Data) {
        var reader = CSVReader(data: data, maxRecordBytes: 4096)
        var records = 0
        while let item = reader.next() {
            records += 1
            precondition(records <= data.count + 1, "more records than bytes")
            if case .record(let fields, _, let bytes) = item {
                precondition(!fields.isEmpty && bytes.upperBound <= data.count, "a record outside the input")
            }
        }
        for kind in [ImportKind.events, .catalog, .consents] { readRows(data, format: .csv, kind: kind) }
        banditLog(data)
    }

    /// The Open Bandit Dataset reader: what it accepts, the estimators may divide by.
    static func banditLog(_ data: Data) {
        guard let log = try? BanditLogFile.readOBD(data, fileName: "fuzz") else { return }
        precondition(!log.rows.isEmpty, "an accepted log has rows")
        for row in log.rows {
            precondition(row.propensity > 0 && row.propensity <= 1, "a propensity the estimators can divide by")
            precondition(row.position >= 1 && (row.reward == 0 || row.reward == 1), "positions from 1, rewards 0 or 1")
            precondition(row.context.count == log.contextFields.count, "one value per context field")
            precondition(row.affinity.map { $0.count == log.itemIDs.count } ?? true, "one affinity per item")
            precondition(log.itemIDs.contains(row.itemID), "every shown item is one of the log's items")
        }
    }

    /// JSON Lines through an import's reading: the strict JSON reader, then the request rules.
    static func jsonLines(_ data: Data) {
        for kind in [ImportKind.events, .catalog, .consents] { readRows(data, format: .jsonl, kind: kind) }
    }

    static func readRows(_ data: Data, format: FileFormat, kind: ImportKind) {
        guard
            var source = try? RecordSource(
                data: data, fileName: "fuzz", format: format, kind: kind, mapping: FieldMapping(), requiredFields: [],
                maxRecordBytes: 4096)
        else { return }
        while let item = source.next() {
            if case .row(let row) = item { _ = source.text(of: row) }
        }
    }

    /// A request body: the JSON reader, and for a batch, every event through the field rules and
    /// the event parser, as `POST /v1/events` does.
    static func requestJSON(_ data: Data) {
        guard let value = try? RequestJSON.parse(data) else { return }
        if case .object(let root) = value, case .array(let events)? = root["events"] {
            _ = RequestRecords.events(events, pseudonymizer: pseudonymizer)
        } else {
            _ = RequestRecords.events([value], pseudonymizer: pseudonymizer)
        }
    }

    /// The timestamp parser: whatever it accepts must format back to a time it accepts again.
    static func timestamp(_ data: Data) {
        let text = String(decoding: data.prefix(256), as: UTF8.self)
        guard case .success(let parsed) = TimestampParser.parse(text) else { return }
        let again = TimestampParser.parse(TimestampFormatter.iso8601(milliseconds: parsed.milliseconds, fractional: true))
        guard case .success(let reparsed) = again else { preconditionFailure("\(text) parsed, but its ISO-8601 form did not") }
        precondition(reparsed.milliseconds == parsed.milliseconds, "\(text): \(parsed.milliseconds) != \(reparsed.milliseconds)")
    }
}
