import Foundation
import KindredTestSupport
import Testing

@testable import KindredStore

/// The request reader must mean what Foundation's `JSONSerialization` meant before it, value
/// for value and cell for cell, and refuse what is not JSON.
@Suite struct RequestJSONTests {

    static let awkwardStrings = [
        "", "plain", "w1-23-45", "with \\\"quotes\\\"", "back\\\\slash", "slash \\/ escaped", "tab\\tnew\\nline\\r",
        "\\b\\f", "\\u00e9t\\u00E9", "\\ud83d\\ude00 emoji", "raw é ü 😀 中文", "\\u0000 nul", "  padded  ",
        String(repeating: "long", count: 40),
    ]
    static let awkwardNumbers = [
        "0", "-0", "7", "-12", "1764000000000", "1764000000.5", "1.5", "-0.25", "2.0", "1e2", "1E-3", "-4.5e+3",
        "8999999999999999", "9000000000000001", "12345678901234567890", "0.1", "123456789.125", "3.0e0",
    ]

    static func document(_ rng: inout SplitMix64, depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &rng) {
        case 0: return "null"
        case 1: return Bool.random(using: &rng) ? "true" : "false"
        case 2: return awkwardNumbers.randomElement(using: &rng)!
        case 3, 4: return "\"\(awkwardStrings.randomElement(using: &rng)!)\""
        case 5:
            let count = Int.random(in: 0..<4, using: &rng)
            return "[" + (0..<count).map { _ in document(&rng, depth: depth + 1) }.joined(separator: ", ") + "]"
        default:
            let count = Int.random(in: 0..<5, using: &rng)
            let members = (0..<count).map { n in "\"k\(n)\(awkwardStrings[n])\" :\(document(&rng, depth: depth + 1))" }
            return "{\n" + members.joined(separator: ",\t") + " }"
        }
    }

    @Test func documentsMeanWhatFoundationMakesOfThem() throws {
        var rng = SplitMix64(seed: 20_261_125)
        for _ in 0..<2_000 {
            let text = "{\"value\": \(Self.document(&rng, depth: 0))}"
            let data = Data(text.utf8)
            let foundation = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any], "\(text)")
            guard case .object(let ours) = try RequestJSON.parse(data), let value = ours["value"] else {
                Issue.record("not an object: \(text)")
                continue
            }
            // The cell text is what importers and field parsers see; for arrays and objects it
            // is the whole subtree as sorted JSON, so equal cells mean equal trees.
            #expect(RequestRecords.cellText(value) == JSONLinesReader.text(of: foundation["value"]!), "\(text)")
        }
    }

    @Test func numbersBecomeTheCellsAnImportWouldRead() throws {
        for literal in Self.awkwardNumbers + ["-1e2", "0.000001", "1e21", "123e-2"] {
            let data = Data("{\"n\": \(literal)}".utf8)
            let foundation = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
            guard case .object(let ours) = try RequestJSON.parse(data) else {
                Issue.record("not an object")
                continue
            }
            #expect(RequestRecords.cellText(ours["n"]!) == JSONLinesReader.text(of: foundation["n"]!), "\(literal)")
        }
        guard case .object(let big) = try RequestJSON.parse(Data("{\"n\": 9007199254740993}".utf8)) else { return }
        #expect(big["n"] == .number(JSONNumber(double: 9_007_199_254_740_992, integer: 9_007_199_254_740_993)))
        // One difference, by choice: Foundation keeps a fraction with more digits than a Double
        // holds as a decimal, which shows when an array or object is passed on as JSON text
        // (a catalog item's extra attributes); here it is a Double, as every field parser reads it.
        guard case .object(let long) = try RequestJSON.parse(Data("{\"n\": [123456789.123456789]}".utf8)) else { return }
        #expect(RequestRecords.cellText(long["n"]!) == "[123456789.12345679]")
    }

    @Test func escapesAndUnicodeDecode() throws {
        let data = Data(#"{"s": "a\"b\\c\/d\n\u00e9\uD83D\uDE00 ü"}"#.utf8)
        #expect(try RequestJSON.parse(data) == .object(["s": .string("a\"b\\c/d\né😀 ü")]))
        #expect(try RequestJSON.parse(Data("\u{FEFF}{}".utf8)) == .object([:]), "a byte order mark is tolerated")
        #expect(try RequestJSON.parse(Data(" [ ] ".utf8)) == .array([]))
    }

    @Test(arguments: [
        ("", 0, "unexpected end of the JSON text"),
        ("{\"a\": 01}", 7, "expected ',' or '}'"),
        ("{\"a\": 1.}", 8, "invalid number"),
        ("{\"a\": -}", 7, "invalid number"),
        ("{\"a\": +1}", 6, "unexpected character"),
        ("{\"a\": .5}", 6, "unexpected character"),
        ("{\"a\": 1e400}", 6, "number out of range"),
        ("{\"a\": NaN}", 6, "unexpected character"),
        ("{\"a\": [1,]}", 9, "unexpected character"),
        ("{\"a\": 1,}", 8, "expected a member name"),
        ("{\"a\" 1}", 5, "expected ':'"),
        ("{\"a\": tru}", 6, "unexpected character"),
        ("{\"a\": \"x\ty\"}", 8, "control character in a string"),
        ("{\"a\": \"\\x\"}", 8, "invalid escape in a string"),
        ("{\"a\": \"\\u12\"}", 11, "invalid escape in a string"),
        ("{\"a\": \"\\ud800\"}", 13, "unpaired surrogate in a string"),
        ("{\"a\": \"\\udc00\\ud800\"}", 13, "unpaired surrogate in a string"),
        ("{\"a\": \"open", 11, "unterminated string"),
        ("{\"a\": true} x", 12, "unexpected text after the JSON value"),
        ("{'a': 1}", 1, "expected a member name"),
    ])
    func notJSONIsRefusedWithItsPlace(text: String, offset: Int, reason: String) {
        #expect(throws: RequestJSON.SyntaxError(offset: offset, reason: reason)) { try RequestJSON.parse(Data(text.utf8)) }
        #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) == nil || text.contains(",]") || text.contains(",}"))
    }

    @Test(arguments: [
        [0xC3, 0xA9],  // é
        [0xE2, 0x82, 0xAC],  // €
        [0xF0, 0x9F, 0x98, 0x80],  // 😀
    ])
    func multibyteTextIsKept(bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        let plain = try RequestJSON.parse(Data([0x22] + bytes + [0x22]))
        let escaped = try RequestJSON.parse(Data([0x22, 0x5C, 0x6E] + bytes + [0x22]))
        #expect(plain == .string(text))
        #expect(escaped == .string("\n" + text))
    }

    @Test(arguments: [
        [0xFF],  // never in UTF-8
        [0xC0, 0xAF],  // an overlong '/'
        [0xED, 0xA0, 0x80],  // a surrogate, encoded
        [0xE2, 0x82],  // cut short
        [0x5C, 0x6E, 0xFF],  // after an escape
    ])
    func textThatIsNotUTF8IsRefusedAtItsClosingQuote(bytes: [UInt8]) {
        #expect(throws: RequestJSON.SyntaxError(offset: 1 + bytes.count, reason: "a string is not valid UTF-8")) {
            try RequestJSON.parse(Data([0x22] + bytes + [0x22]))
        }
    }

    @Test func invalidUTF8AndDeepNestingAreRefused() {
        #expect(throws: RequestJSON.SyntaxError.self) {
            try RequestJSON.parse(Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D]))
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: RequestJSON.SyntaxError(offset: RequestJSON.maximumDepth, reason: "nested too deeply")) {
            try RequestJSON.parse(Data(deep.utf8))
        }
        let allowed = String(repeating: "[", count: RequestJSON.maximumDepth) + String(repeating: "]", count: RequestJSON.maximumDepth)
        #expect((try? RequestJSON.parse(Data(allowed.utf8))) != nil)
    }
}
