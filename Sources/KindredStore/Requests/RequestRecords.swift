import Foundation

/// Reads the JSON bodies of API requests with the same field parsers as the importers, so
/// that an event posted over HTTP and a line of an import file mean exactly the same thing.
/// Errors name the request part (`events[3]`, `item`, `consent`) where a file import would
/// name the file and line.
public enum RequestRecords {
    /// The JSON object members as the importers see cells; nil when `value` is not an object.
    public static func fields(of value: Any) -> [String: String]? {
        guard let object = value as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (key, member) in object {
            if let text = JSONLinesReader.text(of: member) { fields[key] = text }
        }
        return fields
    }

    /// Parses each event on its own: one bad event does not spoil the rest of a batch.
    public static func events(_ objects: [[String: String]], pseudonymizer: Pseudonymizer) -> [Result<EventDraft, DataError>] {
        let parser = EventRowParser(file: "events", constantType: nil, pseudonymizer: pseudonymizer)
        return objects.enumerated().map { index, fields in
            do throws(DataError) {
                return .success(try parser.parse(SourceRow.object(fields, position: index, kind: .events)))
            } catch {
                return .failure(error)
            }
        }
    }

    /// A catalog item from a request body; `itemID` comes from the path and wins over the body.
    public static func item(_ fields: [String: String], itemID: String) throws(DataError) -> ItemDraft {
        var fields = fields
        for alias in ["id", "sku", "product_id"] { fields[alias] = nil }
        fields["item_id"] = itemID
        return try CatalogRowParser(file: "item").parse(SourceRow.object(fields, position: 0, kind: .catalog))
    }

    /// A consent decision from a request body; the purpose must be one the shop configured.
    public static func consent(_ fields: [String: String], purposes: [String], pseudonymizer: Pseudonymizer) throws(DataError)
        -> ConsentDraft
    {
        try ConsentRowParser(file: "consent", purposes: purposes, pseudonymizer: pseudonymizer)
            .parse(SourceRow.object(fields, position: 0, kind: .consents))
    }
}
