import Foundation

/// Coordinates are kept only as precise as a neighbourhood: 0.01 degree is about 1.1 km of
/// latitude (and less of longitude away from the equator), enough for "near the shop" and
/// too coarse to find a home.
public enum Coordinates {
    public static func coarsen(_ degrees: Double) -> Double {
        (degrees * 100).rounded() / 100
    }
}

extension Device {
    /// The device class a browser's user agent names; the user agent itself is not kept.
    public init(userAgent: String) {
        let agent = userAgent.lowercased()
        func has(_ words: String...) -> Bool { words.contains { agent.contains($0) } }
        if has("bot", "crawler", "spider", "slurp", "headless") {
            self = .bot
        } else if has("smart-tv", "smarttv", "googletv", "appletv", "hbbtv", "playstation", "xbox", "roku", "tizen", "webos") {
            self = .tv
        } else if has("ipad", "tablet") || (agent.contains("android") && !agent.contains("mobile")) {
            self = .tablet
        } else if has("mobi", "iphone", "ipod", "android", "windows phone") {
            self = .mobile
        } else if has("windows", "macintosh", "mac os x", "x11", "linux", "cros") {
            self = .desktop
        } else {
            self = .other
        }
    }
}
