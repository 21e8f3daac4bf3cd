import Crypto

/// API keys: `kd_<role prefix>_<id>.<secret>`. The id part is public (lists, logs, audit); the whole
/// key is secret, and only its SHA-256 is stored. Keys are 160 random bits, so a plain hash
/// (no slow KDF) is enough: nobody can guess one from its hash.
public enum ApiKeySecret {
    public struct Generated: Sendable {
        public var keyID: String
        public var key: String
        public var hash: String
    }

    /// `prefix` names the role in the key (pub, ing, adm), so that a person holding one can tell.
    public static func generate(prefix: String) -> Generated {
        var random = SystemRandomNumberGenerator()
        let idBytes = (0..<4).map { _ in UInt8.random(in: 0...255, using: &random) }
        let secretBytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &random) }
        let keyID = "kd_\(prefix)_\(Hex.encode(idBytes))"
        let key = "\(keyID).\(Hex.encode(secretBytes))"
        return Generated(keyID: keyID, key: key, hash: hash(key))
    }

    public static func hash(_ key: String) -> String {
        Hex.encode(SHA256.hash(data: Array(key.utf8)))
    }
}
