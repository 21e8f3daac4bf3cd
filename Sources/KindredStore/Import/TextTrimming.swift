/// Trimming of spaces and tabs on the UTF-8 bytes: Foundation's `trimmingCharacters` bridges
/// through NSString and cost a sixth of an import's time.
enum TextTrimming {
    @inline(__always) static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// The text without surrounding spaces and tabs, or nil when nothing is left.
    static func trimmedOrNil(_ text: String) -> String? {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return nil }
        if !isBlank(first), !isBlank(last) { return text }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isBlank(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isBlank(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return start == end ? nil : String(text[start..<end])
    }
}
