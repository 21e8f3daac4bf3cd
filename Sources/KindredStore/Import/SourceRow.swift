/// One data row of an import file or one object of a request, whatever its format, with its
/// fields located by name.
///
/// A row holds each field's cell by the field's position in `ImportKind.fields`, resolved once
/// when the row is made, and the parsers read fields by position (`FieldSlot`): the server reads
/// nineteen fields of tens of thousands of events a second, and looking each up by name (and by
/// each of its aliases) cost more than the events' own checks.
public struct SourceRow {
    public let line: Int
    let bytes: Range<Int>
    private let slots: FieldSlots
    private let storage: Storage

    private enum Storage {
        /// A CSV record: the field at position p is `columns[column[p]]`, when it has a column.
        case columns([String], column: [Int?], extras: [(name: String, index: Int)])
        /// An object's members placed by field, and its members that are no field (by name).
        case cells([String?], extras: [(name: String, value: String)])
    }

    /// A CSV record; `column` gives each field's column, by field position.
    init(line: Int, bytes: Range<Int>, columns: [String], slots: FieldSlots, column: [Int?], extras: [(name: String, index: Int)]) {
        self.line = line
        self.bytes = bytes
        self.slots = slots
        storage = .columns(columns, column: column, extras: extras)
    }

    /// Cells already placed by field position.
    init(line: Int, bytes: Range<Int>, slots: FieldSlots, cells: [String?], extras: [(name: String, value: String)]) {
        self.line = line
        self.bytes = bytes
        self.slots = slots
        storage = .cells(cells, extras: extras)
    }

    /// The field's text, trimmed; nil when it is absent or empty.
    public func value(_ field: String) -> String? {
        slots.position(of: field).flatMap { value(at: $0) }
    }

    /// The same for a field located beforehand, as the parsers do.
    func value(_ field: FieldSlot) -> String? {
        assert(slots.names[field.position] == field.name, "a slot of another kind of row")
        return value(at: field.position)
    }

    private func value(at position: Int) -> String? {
        let raw: String?
        switch storage {
        case .columns(let cells, let column, _):
            raw = column[position].map { cells[$0] }
        case .cells(let cells, _):
            raw = cells[position]
        }
        guard let raw else { return nil }
        return TextTrimming.trimmedOrNil(raw)
    }

    /// Columns (or members) that are not Kindred fields, with non-empty values, in file order
    /// (in name order for objects).
    public func extras() -> [(name: String, value: String)] {
        switch storage {
        case .columns(let cells, _, let extras):
            return extras.compactMap { extra in
                TextTrimming.trimmedOrNil(cells[extra.index]).map { (extra.name, $0) }
            }
        case .cells(_, let extras):
            return extras
        }
    }
}

/// A kind's fields by position (the order of `ImportKind.fields`), and which keys of an object
/// feed which field: each field's own name and its aliases, or what `--map` names instead.
struct FieldSlots: Sendable {
    struct Place: Sendable {
        var position: Int
        /// Among the keys that feed the field, this one's place: the lowest present wins.
        var rank: Int
    }

    let names: [String]
    private let placesByKey: [String: [Place]]

    /// `keys` lists, per field name, the keys it is read from in order of preference
    /// (`FieldMapping.keys`).
    init(kind: ImportKind, keys: [String: [String]]) {
        names = kind.fields.map(\.name)
        var places: [String: [Place]] = [:]
        for (position, name) in names.enumerated() {
            for (rank, key) in (keys[name] ?? []).enumerated() {
                places[key, default: []].append(Place(position: position, rank: rank))
            }
        }
        placesByKey = places
    }

    /// Where a field sits.
    func position(of field: String) -> Int? {
        names.firstIndex(of: field)
    }

    /// The fields an object's key feeds; nil when it feeds none.
    func places(of key: String) -> [Place]? {
        placesByKey[key]
    }

    /// Each kind's slots for objects read without a mapping (requests), built once.
    static func standard(_ kind: ImportKind) -> FieldSlots {
        switch kind {
        case .catalog: return catalog
        case .events: return events
        case .consents: return consents
        }
    }

    private static let catalog = FieldSlots(kind: .catalog, keys: FieldMapping().keys(kind: .catalog))
    private static let events = FieldSlots(kind: .events, keys: FieldMapping().keys(kind: .events))
    private static let consents = FieldSlots(kind: .consents, keys: FieldMapping().keys(kind: .consents))
}

/// A field located once: its name, for errors, and its position in `ImportKind.fields`.
struct FieldSlot: Sendable {
    let name: String
    let position: Int
}

extension ImportKind {
    /// The field of this kind named `name`; for the parsers' tables of what they read.
    func slot(_ name: String) -> FieldSlot {
        guard let position = fields.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("\(rawValue) rows have no field '\(name)'")
        }
        return FieldSlot(name: name, position: position)
    }
}
