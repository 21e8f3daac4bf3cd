import Crypto
import Foundation

/// The storefront's tracker as `GET /v1/tracker.js` serves it: one dependency-free file the
/// binary carries (source: tracker.js beside this file), named by its content's hash so that a
/// page can cache a versioned URL for a year and an unversioned one revalidates cheaply.
enum TrackerScript {
    static let bytes = Array(minified.utf8)

    /// The first 16 hex digits of the served bytes' SHA-256: the ETag, and the `v` of a versioned URL.
    static let version: String = SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
}
