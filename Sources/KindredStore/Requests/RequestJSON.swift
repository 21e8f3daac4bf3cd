import Foundation

/// A JSON value from a request body. The server reads a thousand events per request and tens of
/// thousands per second; Foundation's `JSONSerialization` builds an object graph of bridged
/// `NSNumber`s and `Any` that every field check then has to cast back, which cost more than
/// all of the event's own validation. This is the plain tree the checks need, and nothing more.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The same value as `JSONSerialization` gives it, for the rare member (an array, an
    /// object) that is passed on as JSON text.
    var foundationObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let flag): return NSNumber(value: flag)
        case .number(let number):
            if let integer = number.integer { return NSNumber(value: integer) }
            if let unsigned = number.unsigned { return NSNumber(value: unsigned) }
            return NSNumber(value: number.double)
        case .string(let text): return text
        case .array(let values): return values.map(\.foundationObject)
        case .object(let members): return members.mapValues(\.foundationObject)
        }
    }
}

/// A JSON number: its value, and, when it was written as an integer that fits 64 bits, that
/// integer exactly, as `JSONSerialization` keeps it, rather than rounded through `Double`.
public struct JSONNumber: Sendable, Equatable {
    public var double: Double
    public var integer: Int64?
    /// An integer above `Int64.max` that fits `UInt64`.
    public var unsigned: UInt64? = nil
}

/// A strict JSON (RFC 8259) reader over UTF-8 bytes: unlike Foundation's, it refuses trailing
/// commas. Errors say where the text went wrong.
public enum RequestJSON {
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        /// Byte offset from the start of the body.
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Nesting deeper than this is refused rather than followed (a body is at most a few MB).
    static let maximumDepth = 256

    public static func parse(_ data: Data) throws(SyntaxError) -> JSONValue {
        do {
            return try data.withUnsafeBytes { raw in
                var reader = Reader(bytes: raw.bindMemory(to: UInt8.self))
                reader.skipByteOrderMark()
                reader.skipWhitespace()
                let value = try reader.value(depth: 0)
                reader.skipWhitespace()
                guard reader.atEnd else { throw reader.error("unexpected text after the JSON value") }
                return value
            }
        } catch let error as SyntaxError {
            throw error
        } catch {
            throw SyntaxError(offset: 0, reason: "unreadable body")
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        func error(_ reason: String) -> SyntaxError { SyntaxError(offset: index, reason: reason) }

        /// A UTF-8 byte order mark before the value is tolerated, as Foundation tolerates it.
        mutating func skipByteOrderMark() {
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard index < bytes.count else { throw error("unexpected end of the JSON text") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try number())
            default:
                throw error("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw error("unexpected end of the JSON text") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
                throw error("unexpected character")
            }
            index += count
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= RequestJSON.maximumDepth else { throw error("nested too deeply") }
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipWhitespace()
                members[key] = try value(depth: depth)
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of the JSON text") }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "}"):
                    index += 1
                    return .object(members)
                default: throw error("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= RequestJSON.maximumDepth else { throw error("nested too deeply") }
            index += 1
            var values: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(values)
            }
            while true {
                skipWhitespace()
                values.append(try value(depth: depth))
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of the JSON text") }
                switch bytes[index] {
                case UInt8(ascii: ","): index += 1
                case UInt8(ascii: "]"):
                    index += 1
                    return .array(values)
                default: throw error("expected ',' or ']'")
                }
            }
        }

        /// A string from the opening quote; plain runs are copied as they are, escapes decoded.
        mutating func string() throws(SyntaxError) -> String {
            index += 1
            var start = index
            var decoded: [UInt8] = []
            var escaped = false
            var ascii = true
            while true {
                guard index < bytes.count else { throw error("unterminated string") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { throw error("control character in a string") }
                if byte != UInt8(ascii: "\\") {
                    if byte >= 0x80 { ascii = false }
                    index += 1
                    continue
                }
                escaped = true
                decoded.append(contentsOf: bytes[start..<index])
                index += 1
                guard index < bytes.count else { throw error("unterminated string") }
                let code = bytes[index]
                index += 1
                switch code {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(code)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape(to: &decoded)
                default:
                    index -= 1
                    throw error("invalid escape in a string")
                }
                start = index
            }
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
            let text: String
            if escaped {
                decoded.append(contentsOf: raw)
                text = try decoded.withUnsafeBufferPointer { buffer throws(SyntaxError) in try utf8Text(buffer, checked: true) }
            } else {
                text = try utf8Text(raw, checked: !ascii)
            }
            index += 1
            return text
        }

        /// The bytes as text. Decoding repairs what is not UTF-8, so text that needed repair
        /// differs from its bytes; plain ASCII, most of what a request holds, cannot need it.
        func utf8Text(_ utf8: UnsafeBufferPointer<UInt8>, checked: Bool) throws(SyntaxError) -> String {
            let text = String(decoding: utf8, as: UTF8.self)
            guard !checked || text.utf8.elementsEqual(utf8) else { throw error("a string is not valid UTF-8") }
            return text
        }

        /// `\uXXXX` after the `u`, with a following low surrogate when this is a high one.
        mutating func appendUnicodeEscape(to decoded: inout [UInt8]) throws(SyntaxError) {
            var scalar = try hexQuad()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in a string")
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in a string") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired surrogate in a string")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid escape in a string") }
            decoded.append(contentsOf: String(Character(unicode)).utf8)
        }

        mutating func hexQuad() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("unterminated string") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("invalid escape in a string")
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        /// A number by the JSON grammar: no leading zeros, no bare '.', no '+', finite.
        mutating func number() throws(SyntaxError) -> JSONNumber {
            let start = index
            var integral = true
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                integral = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            let integer = integral ? Int64(text) : nil
            guard let double = integer.map(Double.init) ?? Double(text), double.isFinite else {
                index = start
                throw error("number out of range")
            }
            return JSONNumber(double: double, integer: integer, unsigned: integral && integer == nil ? UInt64(text) : nil)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
