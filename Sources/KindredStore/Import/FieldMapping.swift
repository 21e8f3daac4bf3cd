/// Which source column feeds which Kindred field: the `--map field=Column,...` option resolved
/// against a file's header (CSV) or used as key names (JSON Lines).
public struct FieldMapping: Sendable, Equatable {
    /// Explicit choices, Kindred field name -> source column name.
    public private(set) var explicit: [String: String] = [:]

    public init() {}

    /// Parses `field=Column,field=Column`. Unknown field names are usage errors.
    public init(parsing text: String, kind: ImportKind) throws(MappingError) {
        for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw .malformed(String(pair))
            }
            let field = parts[0].trimmingCharacters(in: .whitespaces)
            guard kind.fields.contains(where: { $0.name == field }) else {
                throw .unknownField(field, kind: kind)
            }
            explicit[field] = parts[1].trimmingCharacters(in: .whitespaces)
        }
    }

    /// The column each field reads from, given a CSV header: explicit mappings first, then
    /// the field's own name and its aliases, case-insensitively.
    func resolve(header: [String], kind: ImportKind) -> (columns: [String: Int], missing: [(field: String, column: String)]) {
        var lowered: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            if lowered[key] == nil { lowered[key] = index }
        }
        var columns: [String: Int] = [:]
        var missing: [(String, String)] = []
        for field in kind.fields {
            if let wanted = explicit[field.name] {
                if let index = lowered[wanted.lowercased()] { columns[field.name] = index } else { missing.append((field.name, wanted)) }
                continue
            }
            for candidate in [field.name] + field.aliases {
                if let index = lowered[candidate] {
                    columns[field.name] = index
                    break
                }
            }
        }
        return (columns, missing)
    }

    /// The key each field reads from in a JSON object (exact names; explicit mappings first).
    func keys(kind: ImportKind) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for field in kind.fields {
            keys[field.name] = explicit[field.name].map { [$0] } ?? [field.name] + field.aliases
        }
        return keys
    }
}

/// A `--map` option that cannot be used.
public enum MappingError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case unknownField(String, kind: ImportKind)

    public var description: String {
        switch self {
        case .malformed(let pair):
            return "--map: '\(pair)' is not of the form field=Column"
        case .unknownField(let field, let kind):
            return "--map: '\(field)' is not a \(kind.rawValue) field; known fields: "
                + kind.fields.map(\.name).joined(separator: ", ")
        }
    }
}
