/// Numbers as UTF-8 text, written straight into a byte buffer, byte for byte what `String(_:)`
/// gives. The event key (`EventKeyer`) is a digest over that text, so the text must never
/// change; making a `String` of each number first was a third of the key's cost on imports.
enum DecimalText {
    /// `String(value)`.
    static func append(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude, to: &buffer)
    }

    /// `String(value)` (Swift's shortest text that reads back as the same `Double`). Whole
    /// numbers and numbers with up to four decimals between 0.001 and a billion, which is what
    /// quantities and prices are, are written here; anything else is left to `String`.
    static func append(_ value: Double, to buffer: inout [UInt8]) {
        let magnitude = value.magnitude
        guard magnitude >= 0.001, magnitude < 1e9 else {
            buffer.append(contentsOf: String(value).utf8)
            return
        }
        // Below a billion, adjacent doubles are far closer together than 0.0001, so at most one
        // decimal with `places` decimals reads back as `value`: the nearest one. The fewest
        // places that read back give Swift's shortest text.
        for places in 0...4 {
            let scale = powersOfTen[places]
            let scaled = (magnitude * scale).rounded()
            guard scaled / scale == magnitude else { continue }
            let whole = UInt64(scaled)
            let unit = UInt64(scale)
            if value < 0 { buffer.append(UInt8(ascii: "-")) }
            appendDigits(whole / unit, to: &buffer)
            buffer.append(UInt8(ascii: "."))
            if places == 0 {
                buffer.append(UInt8(ascii: "0"))
                return
            }
            // The decimals, with their leading zeros: 0.05 is "0.05".
            var fraction = whole % unit
            buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: places))
            var index = buffer.count - 1
            while fraction > 0 {
                buffer[index] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
                index -= 1
            }
            return
        }
        buffer.append(contentsOf: String(value).utf8)
    }

    private static let powersOfTen: [Double] = [1, 10, 100, 1_000, 10_000]

    private static func appendDigits(_ value: UInt64, to buffer: inout [UInt8]) {
        guard value >= 10 else {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        let start = buffer.count
        var rest = value
        while rest > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        buffer[start...].reverse()
    }
}
