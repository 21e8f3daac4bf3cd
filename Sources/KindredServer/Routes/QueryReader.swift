import Foundation
import Hummingbird
import KindredStore

/// Reads query parameters, refusing bad values with a 400 that names the parameter.
struct QueryReader {
    let parameters: Parameters

    init(_ parameters: Parameters) {
        self.parameters = parameters
    }

    /// The parameter's value, trimmed; nil when absent or empty. `maxLength` counts
    /// characters, as `openapi.yaml` does.
    func text(_ name: String, maxLength: Int) throws -> String? {
        guard let raw = parameters.get(name) else { return nil }
        guard raw.count <= maxLength else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "longer than \(maxLength) characters", field: name)
        }
        let value = raw.trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    /// The parameter's value, trimmed, empty when given empty; nil only when absent: for
    /// parameters whose empty value is wrong rather than a default (`to=` is not a date).
    func given(_ name: String, maxLength: Int) throws -> String? {
        guard parameters.get(name) != nil else { return nil }
        return try text(name, maxLength: maxLength) ?? ""
    }

    /// An id of a person or an item (`IdentifierRule`): nil when absent; an empty or blank
    /// value is refused, as the schema's `Identifier` says, not taken for "none".
    func identifier(_ name: String) throws -> String? {
        guard let raw = parameters.get(name) else { return nil }
        if let problem = IdentifierRule.problem(raw) {
            throw APIError(.badRequest, code: "invalid_parameter", message: problem, field: name)
        }
        return raw
    }

    /// Comma-separated values, also accepted as the parameter repeated.
    func list(_ name: String, maxLength: Int) throws -> [String] {
        let values = parameters.getAll(name)
        if values.contains(where: { $0.count > maxLength }) {
            throw APIError(.badRequest, code: "invalid_parameter", message: "longer than \(maxLength) characters", field: name)
        }
        return values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
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

extension QueryReader {
    /// A finite decimal number; the range is checked by the Engine function the route calls,
    /// so that the CLI and the API refuse the same values with the same words.
    func number(_ name: String) throws -> Double? {
        guard let raw = try text(name, maxLength: 32) else { return nil }
        guard let value = Double(raw), value.isFinite else {
            throw APIError(.badRequest, code: "invalid_parameter", message: "'\(raw)' is not a number", field: name)
        }
        return value
    }

    /// A device class (`Device`, read loosely: "phone" is mobile), naming the known ones when
    /// it is none of them.
    func device(_ name: String = "device") throws -> String? {
        guard let device = try text(name, maxLength: 16) else { return nil }
        guard Device(loosely: device) != nil else {
            throw APIError(
                .badRequest, code: "invalid_parameter",
                message: "unknown device '\(device.prefix(40))' (known: \(Device.allCases.map(\.rawValue).joined(separator: ", ")))",
                field: name)
        }
        return device
    }

    /// `true` or `false` (also 1 and 0).
    func flag(_ name: String) throws -> Bool? {
        guard let raw = try text(name, maxLength: 5) else { return nil }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError(.badRequest, code: "invalid_parameter", message: "'\(raw)' is not true or false", field: name)
        }
    }
}

/// A path parameter that names a person or an item.
enum PathID {
    static func read(_ name: String, _ context: some RequestContext) throws -> String {
        let raw = context.parameters.get(name) ?? ""
        let value = raw.removingPercentEncoding ?? raw
        if let problem = IdentifierRule.problem(value) {
            throw APIError(
                .badRequest, code: "invalid_parameter",
                message: "an id has 1 to \(IdentifierRule.maxLength) characters, not all blank: \(problem)", field: name)
        }
        return value
    }
}
