import Foundation

/// Reads JSON Lines: one JSON object per line, parsed by the same strict reader as request
/// bodies (`RequestJSON`). Each object then goes through the same rows as a request
/// (`RequestRecords.row`): its members' JSON types are checked against the same rules and turned
/// into the text a CSV cell would hold, so that one set of field parsers serves every format
/// and an import refuses exactly what the API refuses.
public struct JSONLinesReader {
    public enum Item {
        case record(members: [String: JSONValue], line: Int, bytes: Range<Int>)
        case malformed(line: Int, message: String, bytes: Range<Int>)
    }

    public let data: Data
    public let maxRecordBytes: Int
    public private(set) var offset = 0
    private var line = 0

    public init(data: Data, maxRecordBytes: Int = 1 << 20) {
        self.data = data
        self.maxRecordBytes = maxRecordBytes
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
    }

    public func text(of bytes: Range<Int>) -> String {
        let clipped = bytes.clamped(to: 0..<data.count)
        return String(decoding: data[data.startIndex + clipped.lowerBound..<data.startIndex + clipped.upperBound], as: UTF8.self)
    }

    public mutating func next() -> Item? {
        while offset < data.count {
            let start = offset
            let newline = data[(data.startIndex + start)...].firstIndex(of: UInt8(ascii: "\n")).map { $0 - data.startIndex }
            let stop = newline ?? data.count
            offset = newline.map { $0 + 1 } ?? data.count
            line += 1
            var lineBytes = data[(data.startIndex + start)..<(data.startIndex + stop)]
            if lineBytes.last == UInt8(ascii: "\r") { lineBytes = lineBytes.dropLast() }
            if lineBytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let range = start..<stop
            if lineBytes.count > maxRecordBytes {
                return .malformed(line: line, message: "line longer than \(maxRecordBytes) bytes", bytes: range)
            }
            if lineBytes.contains(0) {
                return .malformed(line: line, message: "binary data (NUL byte)", bytes: range)
            }
            let parsed: JSONValue
            do {
                parsed = try RequestJSON.parse(Data(lineBytes))
            } catch {
                return .malformed(line: line, message: "not valid JSON (\(error))", bytes: range)
            }
            guard case .object(let members) = parsed else {
                return .malformed(line: line, message: "expected a JSON object on each line", bytes: range)
            }
            return .record(members: members, line: line, bytes: range)
        }
        return nil
    }

    /// Foundation hands JSON booleans over as a private NSNumber subclass on every platform.
    private static let booleanType = type(of: NSNumber(value: true))

    /// The CSV-cell form of a JSON value; nil for JSON null.
    static func text(of value: Any) -> String? {
        switch value {
        case is NSNull:
            return nil
        case let string as String:
            return string
        case let number as NSNumber:
            if type(of: number) == Self.booleanType { return number.boolValue ? "true" : "false" }
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 9.0e15 { return String(number.int64Value) }
            return String(double)
        default:
            if JSONSerialization.isValidJSONObject(value),
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
            {
                return String(decoding: data, as: UTF8.self)
            }
            return String(describing: value)
        }
    }
}
