import Foundation

/// A catalog row as read from a file: nil fields leave the stored value as it is.
public struct ItemDraft: Sendable, Equatable {
    public var itemID: String
    public var title: String?
    public var category: String?
    /// JSON array text.
    public var tags: String?
    public var price: Double?
    public var inStock: Bool?
    /// JSON object text of the columns that are not Kindred fields.
    public var attributes: String?
}

/// Turns catalog rows into `ItemDraft`s. Extra columns become attributes, except columns whose
/// names say they identify people (a catalog cut from an order log carries customer ids),
/// which are dropped so that no raw identifier reaches the database.
struct CatalogRowParser {
    let file: String

    static func identifiesPeople(_ column: String) -> Bool {
        let name = column.lowercased()
        return ["customer", "user", "email", "e-mail", "phone", "client", "buyer", "member"].contains { name.contains($0) }
    }

    func parse(_ row: SourceRow) throws(DataError) -> ItemDraft {
        let fields = FieldReader(row: row, file: file)
        let itemID = try fields.required("item_id", maxLength: 256)
        var tags: String?
        if let text = try fields.text("tags", maxLength: 4096) {
            tags = try Self.tagsJSON(text, fields: fields)
        }
        let extras = row.extras().filter { !Self.identifiesPeople($0.name) && !$0.name.isEmpty }
        var attributes: String?
        if !extras.isEmpty {
            var object: [String: String] = [:]
            for extra in extras { object[extra.name] = extra.value }
            attributes = Self.json(object)
        }
        return ItemDraft(
            itemID: itemID,
            title: try fields.text("title", maxLength: 1024),
            category: try fields.text("category", maxLength: 256),
            tags: tags,
            price: try fields.number("price"),
            inStock: try fields.boolean("in_stock"),
            attributes: attributes)
    }

    /// Tags as a JSON array: either a JSON array already, or text split on `|`, `;` or `,`.
    static func tagsJSON(_ text: String, fields: FieldReader) throws(DataError) -> String {
        if text.hasPrefix("[") {
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
                throw fields.error("tags", "starts with '[' but is not a JSON array")
            }
            return json(array.map { "\($0)" })
        }
        let separator: Character = text.contains("|") ? "|" : (text.contains(";") ? ";" : ",")
        let tags = text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return json(tags)
    }

    static func json(_ value: Any) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
