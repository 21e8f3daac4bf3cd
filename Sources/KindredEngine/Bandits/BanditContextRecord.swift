import Foundation
import KindredStore
import KindredLearning

/// The context of one displayed list as its exploration record logs it: the raw values, so that
/// the features can be rebuilt exactly by any version's layout (whose main countries differ).
struct BanditContextRecord: Sendable, Equatable {
    var hour: Int
    /// 0 Sunday ... 6 Saturday.
    var weekday: Int
    var device: String?
    var country: String?
    /// The live cluster segment the person is in, when known.
    var segment: String?
    /// The region within the country, as the request named it.
    var region: String?

    /// From a request's local hour (when it said), device, country and region, at `nowMs`.
    init(hour: Int?, device: String?, country: String?, region: String? = nil, segment: String? = nil, nowMs: Int64) {
        let day = Int(nowMs / 86_400_000)
        self.hour = hour ?? Int((nowMs / 3_600_000) % 24)
        // 1970-01-01 was a Thursday.
        weekday = (day + 4) % 7
        self.device = device.map { $0.lowercased() }
        self.country = country.map { $0.lowercased() }
        self.region = region.map { $0.lowercased() }
        self.segment = segment
    }

    init(hour: Int, weekday: Int, device: String?, country: String?, region: String? = nil, segment: String? = nil) {
        self.hour = hour
        self.weekday = weekday
        self.device = device
        self.country = country
        self.region = region
        self.segment = segment
    }

    /// As a version with this configuration (its main countries and segments) sees it.
    func context(_ config: BanditConfig) -> BanditContext {
        let countries = config.countries
        let deviceClass =
            switch device.flatMap(Device.init(loosely:)) {
            case .mobile: 0
            case .tablet: 1
            case .desktop: 2
            default: 3
            }
        let countryIndex = country.flatMap { countries.firstIndex(of: $0) } ?? countries.count
        let segmentIndex = segment.flatMap { config.segments.firstIndex(of: $0) } ?? config.segments.count
        let regionIndex = region.flatMap { config.regions.firstIndex(of: $0) } ?? config.regions.count
        return BanditContext(
            hour: hour, weekday: weekday, device: deviceClass, country: countryIndex, segment: segmentIndex, region: regionIndex)
    }

    init?(json: Any?) {
        guard let object = json as? [String: Any], let hour = (object["hour"] as? NSNumber)?.intValue,
            let weekday = (object["weekday"] as? NSNumber)?.intValue
        else { return nil }
        self.init(
            hour: hour, weekday: weekday, device: object["device"] as? String, country: object["country"] as? String,
            region: object["region"] as? String, segment: object["segment"] as? String)
    }
}
