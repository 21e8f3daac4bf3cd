import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The secret key behind pseudonyms, kept in its own file beside (never inside) the database:
/// 32 random bytes written as 64 hex characters, readable by its owner only (mode 0600).
public enum PseudonymKeyFile {
    public static let keyLength = 32

    /// `<db>.key` unless `KINDRED_KEY_FILE` names another path.
    public static func defaultPath(forDatabase databasePath: String, environment: [String: String]) -> String {
        if let override = environment["KINDRED_KEY_FILE"], !override.isEmpty { return override }
        return databasePath + ".key"
    }

    /// Writes a new random key; the file is created with mode 0600 before any byte is written.
    public static func create(at path: String) throws -> [UInt8] {
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw StoreError.keyExists(path: path) }
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { close(fd) }
        let text = Array((Hex.encode(key) + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return key
    }

    /// Reads an existing key file.
    public static func read(at path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.keyMissing(path: path) }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let key = Hex.decode(text), key.count == keyLength else { throw StoreError.keyMalformed(path: path) }
        return key
    }

    /// True when anyone but the owner may read or write the file.
    public static func isExposed(at path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & 0o077 != 0
    }
}
