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
    /// The columns that are not Kindred fields, by column name.
    public var attributes: [String: String]
}

/// Turns catalog rows into `ItemDraft`s. Extra columns become attributes, except columns whose
/// names say they identify people (a catalog cut from an order log carries customer ids),
/// which are dropped so that no raw identifier reaches the database; JSON attribute values
/// lose such members at any depth (`PersonalFieldNames`).
final class CatalogRowParser {
    let file: String
    /// Column name -> whether it is kept as an attribute; decided once per column.
    private var keptColumns: [String: Bool] = [:]

    init(file: String) {
        self.file = file
    }

    static func identifiesPeople(_ column: String) -> Bool { PersonalFieldNames.identifiesPeople(column) }

    /// The fields read, located once.
    private enum Field {
        static let itemID = ImportKind.catalog.slot("item_id")
        static let price = ImportKind.catalog.slot("price")
        static let title = ImportKind.catalog.slot("title")
        static let category = ImportKind.catalog.slot("category")
        static let tags = ImportKind.catalog.slot("tags")
        static let inStock = ImportKind.catalog.slot("in_stock")
    }

    func parse(_ row: SourceRow) throws(DataError) -> ItemDraft {
        let fields = FieldReader(row: row, file: file)
        let itemID = try fields.requiredIdentifier(Field.itemID)
        var tags: String?
        if let text = try fields.text(Field.tags, maxLength: 8192) {
            tags = try Self.tagsJSON(text, fields: fields)
        }
        var attributes: [String: String] = [:]
        for extra in row.extras() {
            let kept =
                keptColumns[extra.name]
                ?? {
                    let keep = !extra.name.isEmpty && !Self.identifiesPeople(extra.name)
                    keptColumns[extra.name] = keep
                    return keep
                }()
            if kept { attributes[extra.name] = PersonalFieldNames.scrubbed(text: extra.value) }
        }
        return ItemDraft(
            itemID: itemID,
            title: try fields.text(Field.title, maxLength: 1024),
            category: try fields.text(Field.category, maxLength: 256),
            tags: tags,
            price: try Self.price(fields),
            inStock: try fields.boolean(Field.inStock),
            attributes: attributes)
    }

    static func price(_ fields: FieldReader) throws(DataError) -> Double? {
        guard let price = try fields.number(Field.price) else { return nil }
        guard price >= 0 else { throw fields.error(Field.price, "a price cannot be negative (\(price))") }
        return price
    }

    /// Tags as a JSON array: either a JSON array already, or text split on `|`, `;` or `,`.
    static func tagsJSON(_ text: String, fields: FieldReader) throws(DataError) -> String {
        if text.hasPrefix("[") {
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any] else {
                throw fields.error(Field.tags, "starts with '[' but is not a JSON array")
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
