import Foundation

/// Which field names say that a value identifies a person, so that a catalog (often cut from
/// an order log) brings no customer data into the database. One filter for every path: import
/// columns, the members of `PUT /v1/items/{id}`, and the keys of JSON objects nested in
/// attribute values at any depth. docs/privacy.md lists the names.
public enum PersonalFieldNames {
    /// A name containing one of these anywhere ("CustomerID", "buyer_ref") identifies people.
    public static let fragments = [
        "customer", "user", "email", "e-mail", "phone", "client", "buyer", "member", "shopper", "person", "surname",
        "firstname", "lastname", "fullname", "birth", "passport", "account", "cookie", "device_id", "deviceid",
    ]
    /// A name with one of these as a whole word ("ip_address", "Contact Name") identifies people.
    public static let words: Set<String> = ["ip", "address", "contact", "ssn", "dob", "name", "login", "visitor", "session", "mail"]
    /// Names that contain such a word but describe the product ("product_name", "brand_name").
    public static let productNames: Set<String> = ["name", "product name", "item name", "brand name", "display name", "short name"]

    /// Whether a field called `name` would hold data about a person.
    public static func identifiesPeople(_ name: String) -> Bool {
        let lower = name.lowercased()
        if fragments.contains(where: { lower.contains($0) }) { return true }
        let spaced = words(of: name)
        if productNames.contains(spaced.joined(separator: " ")) { return false }
        return spaced.contains { words.contains($0) }
    }

    /// The words of a name: split at anything not a letter or digit and at camelCase humps.
    static func words(of name: String) -> [String] {
        var result: [String] = []
        var current = ""
        var previousWasLower = false
        for character in name {
            if character.isLetter || character.isNumber {
                if character.isUppercase && previousWasLower && !current.isEmpty {
                    result.append(current)
                    current = ""
                }
                current.append(Character(character.lowercased()))
                previousWasLower = character.isLowercase
            } else {
                if !current.isEmpty { result.append(current) }
                current = ""
                previousWasLower = false
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// A JSON value with every member that identifies people removed, at any depth; nil when
    /// nothing is left of an object that held only such members.
    public static func scrubbed(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var kept: [String: Any] = [:]
            for (key, member) in object where !identifiesPeople(key) { kept[key] = scrubbed(member) }
            return kept
        case let array as [Any]:
            return array.map(scrubbed)
        default:
            return value
        }
    }

    /// An attribute's text with identifying members removed when it is a JSON object or array
    /// (a nested `attributes` object, a JSON cell); other text as it is.
    public static func scrubbed(text: String) -> String {
        guard let first = text.first(where: { !$0.isWhitespace }), first == "{" || first == "[",
            let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: scrubbed(parsed), options: [.sortedKeys, .withoutEscapingSlashes])
        else { return text }
        return String(decoding: data, as: UTF8.self)
    }
}
