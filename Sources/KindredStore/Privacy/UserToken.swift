import Crypto
import Foundation

/// A person's user token: what lets a public key (readable by anyone in the shop's pages) act
/// for that person and no one else. The shop's backend makes one after login:
///
///     kt1.<base64url(user id)>.<expiry, Unix seconds>.<base64url(HMAC-SHA256(secret, everything before the last dot))>
///
/// base64url without padding; the HMAC key is the token secret's text as `kindred tokens secret`
/// printed it. The format is a contract with code in PHP, Python and Node (README "User tokens"),
/// so it never changes meaning; a new format gets a new prefix.
public enum UserToken {
    public static let prefix = "kt1"
    /// Longest token accepted: a 256-character id (up to 1,024 UTF-8 bytes) in base64url and the rest.
    public static let maxLength = 1_500

    /// What a token says before its signature is checked.
    public struct Claims: Sendable, Equatable {
        public var userID: String
        public var expiresAtSeconds: Int64
        /// The signed part: everything before the last dot.
        var signedText: Substring
        var signature: [UInt8]
    }

    public enum Problem: Error, Sendable, Equatable {
        /// Not a token of this format at all.
        case malformed(String)
        case expired(atSeconds: Int64)
        /// No secret the server holds (current, or previous within its grace period) signed it.
        case forged
    }

    public static func sign(userID: String, expiresAtSeconds: Int64, secret: String) -> String {
        let body = "\(prefix).\(Base64URL.encode(Array(userID.utf8))).\(expiresAtSeconds)"
        return "\(body).\(Base64URL.encode(mac(body, secret: secret)))"
    }

    /// Reads the parts of a token without trusting them.
    public static func claims(of token: String) throws(Problem) -> Claims {
        guard token.utf8.count <= maxLength else { throw .malformed("longer than \(maxLength) characters") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == prefix else {
            throw .malformed("a user token has four parts, \(prefix).<id>.<expiry>.<signature>")
        }
        guard let idBytes = Base64URL.decode(parts[1]), let userID = String(validating: idBytes, as: UTF8.self),
            IdentifierRule.problem(userID) == nil
        else { throw .malformed("the id part is not a base64url-encoded id") }
        guard parts[2].allSatisfy(\.isASCII), let expiry = Int64(parts[2]), expiry > 0 else {
            throw .malformed("the expiry is not a number of seconds since 1970")
        }
        guard let signature = Base64URL.decode(parts[3]), signature.count == SHA256.byteCount else {
            throw .malformed("the signature is not a base64url-encoded HMAC-SHA256")
        }
        let signedEnd = token.index(token.endIndex, offsetBy: -(parts[3].count + 1))
        return Claims(userID: userID, expiresAtSeconds: expiry, signedText: token[..<signedEnd], signature: signature)
    }

    /// The id a token speaks for, once its signature matches one of `secrets` and it has not
    /// expired. The signature is checked first, so that a forged token never learns whether its
    /// expiry would have passed.
    public static func verify(_ token: String, secrets: [String], nowSeconds: Int64) throws(Problem) -> String {
        let claims = try claims(of: token)
        let signedBytes = Array(claims.signedText.utf8)
        guard
            secrets.contains(where: { secret in
                HMAC<SHA256>.isValidAuthenticationCode(claims.signature, authenticating: signedBytes, using: key(secret))
            })
        else { throw .forged }
        guard claims.expiresAtSeconds > nowSeconds else { throw .expired(atSeconds: claims.expiresAtSeconds) }
        return claims.userID
    }

    /// A new secret: 256 random bits as 64 hexadecimal digits.
    public static func generateSecret() -> (secretID: String, secret: String) {
        var random = SystemRandomNumberGenerator()
        let idBytes = (0..<4).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return ("ts_\(Hex.encode(idBytes))", Hex.encode(secretBytes))
    }

    private static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Array(secret.utf8)) }

    private static func mac(_ text: String, secret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key(secret)))
    }
}

/// RFC 4648 base64url without padding, as JavaScript's and Node's `base64url` write it.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes by table, without Foundation: a token's id and signature are decoded on every
    /// request that carries one, and the conversion to standard base64 for Foundation's decoder
    /// cost more than the HMAC. Accepts what Foundation accepted after that conversion: the URL
    /// alphabet only, no padding, any length but 4n + 1, unused trailing bits ignored.
    static func decode(_ text: Substring) -> [UInt8]? {
        let count = text.utf8.count
        guard count > 0, count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            let value = sextets[Int(character)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        return bytes
    }

    /// Each byte's six-bit value in the URL alphabet, 0xFF for bytes outside it.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()
}
