/// What an id of a person, an item, a session, an event or a request may be, wherever it comes
/// from (an import file, a request body, a path): 1 to 256 Unicode code points with something
/// other than white space. Code points, because JSON Schema's `maxLength` counts them, so
/// `openapi.yaml` states exactly this rule; a person or item an import stored can therefore
/// always be named over HTTP (to erase or export them).
public enum IdentifierRule {
    public static let maxLength = 256

    /// What is wrong with `text` as an id; nil when nothing is.
    public static func problem(_ text: String) -> String? {
        // The common case on the import's hot path, without walking characters: at most
        // `maxLength` bytes is at most that many code points, and a first byte that is visible
        // ASCII is something other than white space.
        let utf8 = text.utf8
        if utf8.count <= maxLength, let first = utf8.first, first > 0x20, first < 0x7F { return nil }
        if !text.contains(where: { !$0.isWhitespace }) { return "missing value (only white space)" }
        let length = text.unicodeScalars.count
        return length > maxLength ? "longer than \(maxLength) characters (\(length))" : nil
    }
}
