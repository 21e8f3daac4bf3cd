import Foundation
import KindredStore

/// Factors written by a Spark job (or any tool) as JSON lines, one folder per side:
/// `{"person": "...", "factors": [...]}` in `users/`, `{"item": "...", "factors": [...]}` in
/// `items/`. Every file in the folder is read except Spark's markers (`_SUCCESS`, `.crc`).
struct LabelledFactors {
    var labels: [String] = []
    /// Row-major, `dimension` floats per label.
    var vectors: [Float] = []
    var dimension = 0

    var count: Int { labels.count }

    func vector(_ row: Int) -> ArraySlice<Float> { vectors[(row * dimension)..<((row + 1) * dimension)] }

    /// Reads every line of every data file in `folder`; `key` is the label's field name.
    /// Errors name the file, the line and the field.
    static func read(folder: URL, key: String) throws -> LabelledFactors {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(file: folder.path, message: "no such folder of factors")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") && !$0.hasSuffix(".crc") }
            .sorted()
        guard !files.isEmpty else { throw DataError(file: folder.path, message: "no factor files in the folder") }
        var result = LabelledFactors()
        var seen = Set<String>()
        for name in files {
            let path = folder.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else { throw DataError(file: path, message: "cannot read") }
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw DataError(file: path, line: lineNumber, message: "not a JSON object")
                }
                guard let label = object[key] as? String, !label.isEmpty else {
                    throw DataError(file: path, line: lineNumber, field: key, message: "missing or not a string")
                }
                guard let numbers = object["factors"] as? [Any], !numbers.isEmpty else {
                    throw DataError(file: path, line: lineNumber, field: "factors", message: "missing or not a non-empty array of numbers")
                }
                if result.dimension == 0 { result.dimension = numbers.count }
                guard numbers.count == result.dimension else {
                    throw DataError(
                        file: path, line: lineNumber, field: "factors",
                        message: "has \(numbers.count) numbers where the first line had \(result.dimension)")
                }
                for number in numbers {
                    guard let boxed = number as? NSNumber, !JSONNumber.isBoolean(boxed), case let value = boxed.floatValue, value.isFinite
                    else {
                        throw DataError(
                            file: path, line: lineNumber, field: "factors", message: "holds something that is not a finite number")
                    }
                    result.vectors.append(value)
                }
                guard seen.insert(label).inserted else {
                    throw DataError(file: path, line: lineNumber, field: key, message: "'\(label)' appears twice")
                }
                result.labels.append(label)
            }
        }
        return result
    }
}

/// JSON numbers as Foundation parses them: true and false arrive as NSNumbers too.
enum JSONNumber {
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c" && (number == NSNumber(value: true) || number == NSNumber(value: false))
    }
}
