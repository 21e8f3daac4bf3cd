/// What each field of an API request may hold: its JSON type and its longest value in
/// Unicode code points (as JSON Schema's `maxLength` counts), as `openapi.yaml` documents them;
/// ids follow `IdentifierRule`, as they do in imports. A file import reads every cell as text; a
/// request is JSON, so a number where text belongs (or an object where a flag belongs) is an
/// error the client should hear about rather than a value quietly converted. The importers'
/// own limits are in bytes and four times as generous, so that any value within these limits
/// also passes them. JSON null means "not given" for any field.
enum RequestFieldRules {
    enum JSONType {
        case string(maxLength: Int)
        /// An id: a string that follows `IdentifierRule`, as imports and paths check it.
        case identifier
        case number, integer, boolean
        /// ISO-8601 text or Unix seconds or milliseconds.
        case timestamp
        case strings(maxCount: Int, maxLength: Int)
    }

    static let events: [String: JSONType] = [
        "event_id": .identifier, "type": .string(maxLength: 32), "user_id": .string(maxLength: IdentifierRule.maxLength),
        "item_id": .identifier, "session_id": .identifier, "ts": .timestamp, "value": .number, "price": .number,
        "device": .string(maxLength: 16), "country": .string(maxLength: 16), "region": .string(maxLength: 32),
        "hour": .integer, "referrer": .string(maxLength: 512), "experiment": .string(maxLength: 32),
        "variant": .string(maxLength: 32), "request_id": .identifier, "user_agent": .string(maxLength: 512),
        "latitude": .number, "longitude": .number, "time_zone": .string(maxLength: 64),
    ]
    static let consents: [String: JSONType] = [
        "user_id": .identifier, "purpose": .string(maxLength: 32), "granted": .boolean, "ts": .timestamp,
        "source": .string(maxLength: 32), "policy_version": .string(maxLength: 16),
    ]
    static let items: [String: JSONType] = [
        "title": .string(maxLength: 200), "category": .string(maxLength: 60), "tags": .strings(maxCount: 20, maxLength: 32),
        "price": .number, "in_stock": .boolean,
    ]

    /// Each field's rule by its position in `ImportKind.fields` (nil: no rule), built once.
    static func byPosition(_ kind: ImportKind) -> [JSONType?] {
        switch kind {
        case .events: return eventsByPosition
        case .consents: return consentsByPosition
        case .catalog: return itemsByPosition
        }
    }

    private static let eventsByPosition = ImportKind.events.fields.map { events[$0.name] }
    private static let consentsByPosition = ImportKind.consents.fields.map { consents[$0.name] }
    private static let itemsByPosition = ImportKind.catalog.fields.map { items[$0.name] }

    /// What is wrong with a value under `rule`; nil when nothing is.
    static func problem(with value: JSONValue, rule: JSONType) -> String? {
        switch rule {
        case .string(let maxLength):
            guard case .string(let text) = value else { return "must be a string" }
            return text.unicodeScalars.count > maxLength ? "longer than \(maxLength) characters" : nil
        case .identifier:
            guard case .string(let text) = value else { return "must be a string" }
            return IdentifierRule.problem(text)
        case .number:
            guard case .number = value else { return "must be a number" }
            return nil
        case .integer:
            guard case .number(let number) = value, number.double.rounded() == number.double else { return "must be a whole number" }
            return nil
        case .boolean:
            guard case .bool = value else { return "must be true or false" }
            return nil
        case .timestamp:
            switch value {
            case .string: return nil
            case .number(let number) where number.double >= 0: return nil
            default: return "must be ISO-8601 text or Unix seconds or milliseconds"
            }
        case .strings(let maxCount, let maxLength):
            guard case .array(let list) = value else { return "must be an array of strings" }
            let texts = list.compactMap { entry -> String? in
                guard case .string(let text) = entry else { return nil }
                return text
            }
            guard texts.count == list.count else { return "must be an array of strings" }
            if texts.count > maxCount { return "more than \(maxCount) entries" }
            return texts.contains { $0.count > maxLength } ? "an entry is longer than \(maxLength) characters" : nil
        }
    }
}
