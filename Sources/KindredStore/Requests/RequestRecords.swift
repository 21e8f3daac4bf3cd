/// Reads the JSON bodies of API requests with the same field parsers as the importers, so
/// that an event posted over HTTP and a line of an import file mean exactly the same thing.
/// Each field's JSON type and length are checked first (`RequestFieldRules`). Errors name the
/// request part (`events` with the index, `item`, `consent`) where an import names file and line.
public enum RequestRecords {
    /// Parses each event on its own: one bad event does not spoil the rest of a batch.
    public static func events(_ values: [JSONValue], pseudonymizer: Pseudonymizer) -> [Result<EventDraft, DataError>] {
        let parser = EventRowParser(file: "events", constantType: nil, pseudonymizer: pseudonymizer)
        return values.enumerated().map { index, value in
            do throws(DataError) {
                return .success(try parser.parse(try row(of: value, kind: .events, file: "events", position: index)))
            } catch {
                return .failure(error)
            }
        }
    }

    /// A catalog item from a request body; `itemID` comes from the path and wins over the body.
    public static func item(_ object: [String: JSONValue], itemID: String) throws(DataError) -> ItemDraft {
        let row = try row(of: .object(object), kind: .catalog, file: "item", position: 0, itemID: itemID)
        return try CatalogRowParser(file: "item").parse(row)
    }

    /// A consent decision from a request body; the purpose must be one the shop configured.
    public static func consent(_ object: [String: JSONValue], purposes: [String], pseudonymizer: Pseudonymizer) throws(DataError)
        -> ConsentDraft
    {
        let row = try row(of: .object(object), kind: .consents, file: "consent", position: 0)
        return try ConsentRowParser(file: "consent", purposes: purposes, pseudonymizer: pseudonymizer).parse(row)
    }

    /// The object as the importers see a row, after checking each member's JSON type
    /// (`RequestFieldRules`); of several bad members, the one of the first field (and its first
    /// name) is reported. JSON null means "not given". `itemID`, from a path, replaces any id
    /// in the body.
    private static func row(
        of value: JSONValue, kind: ImportKind, file: String, position: Int, itemID: String? = nil
    ) throws(DataError) -> SourceRow {
        guard case .object(let object) = value else {
            throw DataError(file: file, line: position, message: "expected a JSON object")
        }
        return try row(
            members: object, kind: kind, slots: FieldSlots.standard(kind), file: file, line: position, bytes: 0..<0,
            keepsExtras: kind.keepsExtraColumns, itemID: itemID)
    }

    /// A JSON object's members as a row, for a request (standard names) and for a line of a
    /// JSON Lines import (names as `--map` gives them): one place where JSON types are checked
    /// and turned into cell text, so both paths accept and refuse the same values.
    static func row(
        members object: [String: JSONValue], kind: ImportKind, slots: FieldSlots, file: String, line position: Int,
        bytes: Range<Int>, keepsExtras: Bool, itemID: String? = nil
    ) throws(DataError) -> SourceRow {
        let rules = RequestFieldRules.byPosition(kind)
        var cells = [String?](repeating: nil, count: slots.names.count)
        var ranks = [Int](repeating: .max, count: slots.names.count)
        var extras: [(name: String, value: String)] = []
        var problem: (place: FieldSlots.Place, message: String)?
        for (key, member) in object where member != .null {
            guard let places = slots.places(of: key) else {
                if keepsExtras, let text = cellText(member), !text.isEmpty { extras.append((key, text)) }
                continue
            }
            for place in places {
                if let rule = rules[place.position], let message = RequestFieldRules.problem(with: member, rule: rule),
                    problem.map({ (place.position, place.rank) < ($0.place.position, $0.place.rank) }) ?? true
                {
                    problem = (place, message)
                }
                if place.rank < ranks[place.position] {
                    cells[place.position] = cellText(member)
                    ranks[place.position] = place.rank
                }
            }
        }
        if let problem {
            throw DataError(file: file, line: position, field: slots.names[problem.place.position], message: problem.message)
        }
        if let itemID, let itemPosition = slots.position(of: "item_id") { cells[itemPosition] = itemID }
        extras.sort { $0.name < $1.name }
        return SourceRow(line: position, bytes: bytes, slots: slots, cells: cells, extras: extras)
    }

    /// A member's text as a cell of a JSON Lines import would hold it (`JSONLinesReader.text`):
    /// whole numbers below 9e15 without a fraction, JSON text for arrays and objects.
    static func cellText(_ value: JSONValue) -> String? {
        switch value {
        case .null:
            return nil
        case .string(let text):
            return text
        case .bool(let flag):
            return flag ? "true" : "false"
        case .number(let number):
            if let integer = number.integer, abs(number.double) < 9.0e15 { return String(integer) }
            if number.double.rounded() == number.double, abs(number.double) < 9.0e15 { return String(Int64(number.double)) }
            return String(number.double)
        case .array, .object:
            return JSONLinesReader.text(of: value.foundationObject)
        }
    }
}
