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
                let fields = try fields(of: value, kind: .events, file: "events", position: index)
                return .success(try parser.parse(SourceRow.object(fields, position: index, kind: .events)))
            } catch {
                return .failure(error)
            }
        }
    }

    /// A catalog item from a request body; `itemID` comes from the path and wins over the body.
    public static func item(_ object: [String: JSONValue], itemID: String) throws(DataError) -> ItemDraft {
        var fields = try fields(of: .object(object), kind: .catalog, file: "item", position: 0)
        for alias in ["id", "sku", "product_id"] { fields[alias] = nil }
        fields["item_id"] = itemID
        return try CatalogRowParser(file: "item").parse(SourceRow.object(fields, position: 0, kind: .catalog))
    }

    /// A consent decision from a request body; the purpose must be one the shop configured.
    public static func consent(_ object: [String: JSONValue], purposes: [String], pseudonymizer: Pseudonymizer) throws(DataError)
        -> ConsentDraft
    {
        let fields = try fields(of: .object(object), kind: .consents, file: "consent", position: 0)
        return try ConsentRowParser(file: "consent", purposes: purposes, pseudonymizer: pseudonymizer)
            .parse(SourceRow.object(fields, position: 0, kind: .consents))
    }

    /// The object's members as the importers see cells, after checking their JSON types.
    private static func fields(
        of value: JSONValue, kind: ImportKind, file: String, position: Int
    ) throws(DataError) -> [String: String] {
        guard case .object(let object) = value else {
            throw DataError(file: file, line: position, message: "expected a JSON object")
        }
        if let problem = RequestFieldRules.check(object, kind: kind, file: file, position: position) { throw problem }
        var fields: [String: String] = [:]
        fields.reserveCapacity(object.count)
        for (key, member) in object {
            if let text = cellText(member) { fields[key] = text }
        }
        return fields
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
