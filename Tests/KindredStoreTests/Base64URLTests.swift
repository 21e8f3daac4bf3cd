import Foundation
import KindredTestSupport
import Testing

@testable import KindredStore

/// Tokens are decoded by table; the decoder must accept and refuse exactly what the conversion
/// to standard base64 for Foundation's decoder did (the oracle here), and round-trip `encode`.
@Suite struct Base64URLTests {
    /// The decoder before the table: the URL alphabet checked, converted, padded, then Foundation.
    static func foundationDecode(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }

    @Test func byHand() {
        #expect(Base64URL.decode("QUJD") == [65, 66, 67])
        #expect(Base64URL.decode("QUI") == [65, 66])
        #expect(Base64URL.decode("QQ") == [65])
        // Unused trailing bits are ignored, as Foundation ignores them.
        #expect(Base64URL.decode("QR") == [65])
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("Q") == nil)
        #expect(Base64URL.decode("") == nil)
        #expect(Base64URL.decode("QQ==") == nil)
        #expect(Base64URL.decode("QU+D") == nil)
        #expect(Base64URL.decode("QUé") == nil)
    }

    @Test func agreesWithFoundationOnRandomText() {
        var random = SplitMix64(seed: 7)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. é")
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...13, using: &random)
            // Mostly the URL alphabet, sometimes a character outside it.
            let text = String(
                (0..<length).map { _ in
                    let outside = Int.random(in: 0..<10, using: &random) == 0
                    return alphabet[Int.random(in: 0..<(outside ? alphabet.count : 64), using: &random)]
                })
            #expect(Base64URL.decode(Substring(text)) == Self.foundationDecode(Substring(text)), "\(text)")
        }
    }

    @Test func roundTripsEncode() {
        var random = SplitMix64(seed: 11)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let encoded = Base64URL.encode(bytes)
            #expect(Base64URL.decode(Substring(encoded)) == (bytes.isEmpty ? nil : bytes))
        }
    }
}
