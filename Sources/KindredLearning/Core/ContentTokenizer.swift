/// Turns an item's title, category and tags into the terms content similarity compares:
/// lower-cased title words (no one-letter words or common stop words), the category and each
/// of its parent paths, and the tags, each kind prefixed so that "red" the tag and "red" the
/// word stay distinct terms.
public enum ContentTokenizer {
    static let stopWords: Set<String> = ["and", "the", "for", "with", "of", "in", "on", "to", "set", "a", "an", "de"]

    public static func tokens(title: String?, category: String?, tags: [String]) -> [String] {
        var tokens: [String] = []
        if let title {
            var word = ""
            for scalar in title.lowercased().unicodeScalars {
                if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                    word.unicodeScalars.append(scalar)
                } else {
                    if word.count > 1, !stopWords.contains(word) { tokens.append(word) }
                    word = ""
                }
            }
            if word.count > 1, !stopWords.contains(word) { tokens.append(word) }
        }
        if let category {
            var path = ""
            for part in category.lowercased().split(separator: "/") {
                path += path.isEmpty ? String(part) : "/" + part
                tokens.append("category:" + path)
            }
        }
        for tag in tags where !tag.isEmpty { tokens.append("tag:" + tag.lowercased()) }
        return tokens
    }
}
