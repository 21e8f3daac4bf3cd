import Foundation
import Hummingbird

/// Reads query parameters, refusing bad values with a 400 that names the parameter.
struct QueryReader {
    let parameters: Parameters

    init(_ parameters: Parameters) {
        self.parameters = parameters
    }

    func text(_ name: String, maxLength: Int = 256) throws -> String? {
        guard let raw = parameters.get(name) else { return nil }
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        guard value.utf8.count <= maxLength else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "longer than \(maxLength) bytes", field: name)
        }
        return value
    }

    /// Comma-separated values, also accepted as the parameter repeated.
    func list(_ name: String) -> [String] {
        parameters.getAll(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = try text(name, maxLength: 32) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw APIError(
                .badRequest, code: "invalid_parameter",
                message: "'\(raw.prefix(32))' is not a whole number in \(range.lowerBound)...\(range.upperBound)", field: name)
        }
        return value
    }
}

/// A path parameter that names a person or an item.
enum PathID {
    static func read(_ name: String, _ context: some RequestContext) throws -> String {
        let raw = context.parameters.get(name) ?? ""
        let value = raw.removingPercentEncoding ?? raw
        guard !value.isEmpty, value.utf8.count <= 256 else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "an id has 1 to 256 bytes", field: name)
        }
        return value
    }
}
