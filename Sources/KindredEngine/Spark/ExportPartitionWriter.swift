import Crypto
import Foundation
import KindredStore

/// Writes one partition file of an export through a buffer, hashing as it goes, so that the
/// manifest's checksum is of exactly the bytes on disk without reading them back.
struct ExportPartitionWriter {
    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private(set) var rows = 0
    private(set) var bytes = 0

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw ExportProblem.cannotWrite(path)
        }
        self.path = path
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(line: String, isRow: Bool = true) throws {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if isRow { rows += 1 }
        if buffer.count >= 1 << 20 { try flush() }
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        hasher.update(data: buffer)
        try handle.write(contentsOf: buffer)
        bytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and closes; returns the file's SHA-256 in hex.
    mutating func finish() throws -> String {
        try flush()
        try handle.synchronize()
        try handle.close()
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// How one exported event is written in each format.
enum ExportLine {
    static func csvHeader() -> String {
        EventExportSchema.columns.map(\.name).joined(separator: ",")
    }

    static func csv(person: String, item: String, type: String, value: Float, time: Int64, weight: Float, validationWeight: Float) -> String
    {
        [csvField(person), csvField(item), type, number(value), String(time), number(weight), number(validationWeight)]
            .joined(separator: ",")
    }

    static func jsonl(person: String, item: String, type: String, value: Float, time: Int64, weight: Float, validationWeight: Float)
        -> String
    {
        "{\"person\":\(jsonString(person)),\"item\":\(jsonString(item)),\"type\":\"\(type)\",\"value\":\(number(value)),"
            + "\"ts_ms\":\(time),\"weight\":\(number(weight)),\"validation_weight\":\(number(validationWeight))}"
    }

    /// RFC 4180: quoted only when it must be, quotes doubled.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || text.hasPrefix(" ") || text.hasSuffix(" ")
        else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func jsonString(_ text: String) -> String {
        var json = ""
        JSONString.append(text, to: &json)
        return json
    }

    /// The shortest text that reads back as the same Float; whole numbers without a fraction.
    static func number(_ value: Float) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// A file or folder of an export (or a Spark run) that cannot be written: a 4xx, not a fault.
enum ExportProblem {
    static func cannotWrite(_ path: String) -> RequestProblem {
        RequestProblem(.invalid, code: "cannot_write", message: "\(path): cannot create the file (is the folder writable?)")
    }
}
