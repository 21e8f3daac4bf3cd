import Crypto
import Foundation

/// Replaces raw user identifiers with HMAC-SHA256 pseudonyms at the edge, so that the database
/// never holds a raw id and a copy of it cannot be linked back to people without the key,
/// which lives in a separate file.
public struct Pseudonymizer: Sendable {
    /// Kept as bytes (SymmetricKey is not Sendable); wrapped per call, which costs nothing
    /// next to the HMAC itself.
    private let keyBytes: [UInt8]
    /// The HMAC with the key already mixed in: starting one from the key costs two extra
    /// SHA-256 blocks and a few allocations, per event the server receives.
    private let keyed: KeyedHMAC

    public init(keyBytes: [UInt8]) {
        precondition(keyBytes.count == PseudonymKeyFile.keyLength, "pseudonymization keys are 32 bytes")
        self.keyBytes = keyBytes
        keyed = KeyedHMAC(prototype: HMAC<SHA256>(key: SymmetricKey(data: keyBytes)))
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The pseudonym of a raw identifier: lower-case hex of HMAC-SHA256(key, trimmed id).
    /// Surrounding white space is not part of an identifier, so " a@b.c" and "a@b.c" agree.
    public func pseudonym(of rawID: some StringProtocol) -> String {
        var trimmed = TextTrimming.trimmedOrNil(String(rawID)) ?? ""
        var mac = keyed.prototype
        trimmed.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return Hex.encode(mac.finalize())
    }

    /// A short fingerprint stored in `settings`, so that opening a database with the wrong key
    /// file fails loudly instead of silently splitting every user in two.
    public var keyCheck: String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("kindred:key-check".utf8), using: key)
        return String(Hex.encode(code).prefix(16))
    }
}

/// A keyed HMAC to copy from. Copies share nothing they change: the hash state underneath is
/// copied on write (swift-crypto checks `isKnownUniquelyReferenced` before every update), so
/// one prototype serves every thread.
private struct KeyedHMAC: @unchecked Sendable {
    let prototype: HMAC<SHA256>
}

/// Lower-case hexadecimal encoding without Foundation's per-byte formatting cost.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count.isMultiple(of: 2) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = value(chars[index]), let low = value(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return char - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
