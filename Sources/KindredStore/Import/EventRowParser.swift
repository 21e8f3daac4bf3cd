/// An event as read from a file or a request, before it is stored. The person is already a
/// pseudonym here: the raw id never leaves `EventRowParser`.
public struct EventDraft: Sendable, Equatable {
    public var sourceEventID: String?
    public var type: EventType
    public var userPseudonym: String?
    public var itemID: String?
    public var sessionID: String?
    public var timestampMs: Int64
    public var value: Double?
    public var price: Double?
    public var device: Device?
    public var country: String?
    public var region: String?
    public var localHour: Int?
    public var referrer: String?
    public var experiment: String?
    public var variant: String?
    public var requestID: String?
    /// Coarsened to 0.01 degree (about 1 km) before they get here.
    public var latitude: Double?
    public var longitude: Double?
    /// An IANA time zone name such as Europe/London, as a page's `Intl` API reports it.
    public var timeZone: String? = nil
}

extension EventDraft {
    /// An event with what every event has and, of the rest, what the caller names: for code
    /// that builds events itself rather than parsing them (tests, a writer fed by hand).
    public init(
        type: EventType, timestampMs: Int64, userPseudonym: String? = nil, itemID: String? = nil, sourceEventID: String? = nil,
        device: Device? = nil, country: String? = nil
    ) {
        self.init(
            sourceEventID: sourceEventID, type: type, userPseudonym: userPseudonym, itemID: itemID, sessionID: nil,
            timestampMs: timestampMs, value: nil, price: nil, device: device, country: country, region: nil, localHour: nil,
            referrer: nil, experiment: nil, variant: nil, requestID: nil, latitude: nil, longitude: nil)
    }
}

/// Turns rows into `EventDraft`s: validates every field, pseudonymizes the user, and applies the
/// shop-log conventions (a purchase with a negative quantity is a return).
final class EventRowParser {
    let file: String
    let constantType: EventType?
    let pseudonymizer: Pseudonymizer
    /// Raw id -> pseudonym, so that each person is hashed once per import.
    private var pseudonyms: [String: String] = [:]

    init(file: String, constantType: EventType?, pseudonymizer: Pseudonymizer) {
        self.file = file
        self.constantType = constantType
        self.pseudonymizer = pseudonymizer
    }

    /// The fields read, located once.
    private enum Field {
        static let eventID = ImportKind.events.slot("event_id")
        static let type = ImportKind.events.slot("type")
        static let userID = ImportKind.events.slot("user_id")
        static let itemID = ImportKind.events.slot("item_id")
        static let sessionID = ImportKind.events.slot("session_id")
        static let ts = ImportKind.events.slot("ts")
        static let value = ImportKind.events.slot("value")
        static let price = ImportKind.events.slot("price")
        static let device = ImportKind.events.slot("device")
        static let country = ImportKind.events.slot("country")
        static let region = ImportKind.events.slot("region")
        static let hour = ImportKind.events.slot("hour")
        static let referrer = ImportKind.events.slot("referrer")
        static let experiment = ImportKind.events.slot("experiment")
        static let variant = ImportKind.events.slot("variant")
        static let requestID = ImportKind.events.slot("request_id")
        static let userAgent = ImportKind.events.slot("user_agent")
        static let latitude = ImportKind.events.slot("latitude")
        static let longitude = ImportKind.events.slot("longitude")
        static let timeZone = ImportKind.events.slot("time_zone")
    }

    func parse(_ row: SourceRow) throws(DataError) -> EventDraft {
        let fields = FieldReader(row: row, file: file)
        var type: EventType
        if let constantType {
            type = constantType
        } else {
            let text = try fields.required(Field.type, maxLength: 64)
            guard let parsed = EventType(rawValue: text.lowercased()) else {
                throw fields.error(
                    Field.type,
                    "unknown event type '\(text.prefix(40))' (known: \(EventType.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            type = parsed
        }
        let time = try fields.timestamp(Field.ts)
        var value = try fields.number(Field.value)
        let price = try fields.number(Field.price)
        if let price, price < 0 {
            throw fields.error(Field.price, "a price cannot be negative (\(price)); a refund is a return of the item at its price")
        }
        let itemID = try fields.identifier(Field.itemID)
        if itemID == nil, type != .search { throw fields.error(Field.itemID, "missing value (every \(type.rawValue) event names an item)") }

        switch type {
        case .purchase, .addToCart, .removeFromCart, .return:
            if let quantity = value, quantity < 0 {
                // Shop logs write cancellations and returns as negative quantities.
                if type == .purchase { type = .return }
                value = -quantity
            }
        case .dwell:
            if let seconds = value, seconds < 0 { throw fields.error(Field.value, "dwell time cannot be negative") }
        case .scroll:
            if let depth = value, !(0...1).contains(depth) { throw fields.error(Field.value, "scroll depth \(depth) is outside 0..1") }
        case .rating:
            guard let stars = value else { throw fields.error(Field.value, "missing rating") }
            guard (0...5).contains(stars) else { throw fields.error(Field.value, "a rating is 0 to 5 stars, not \(stars)") }
        default:
            break
        }

        var device: Device?
        if let text = try fields.text(Field.device, maxLength: 64) {
            guard let parsed = Device(loosely: text) else {
                throw fields.error(
                    Field.device, "unknown device '\(text.prefix(40))' (known: \(Device.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            device = parsed
        } else if let userAgent = try fields.text(Field.userAgent, maxLength: 2048) {
            // Minimization: the user agent is read for its device class and never kept.
            device = Device(userAgent: userAgent)
        }
        let latitude = try fields.number(Field.latitude)
        let longitude = try fields.number(Field.longitude)
        if let latitude, !(-90...90).contains(latitude) { throw fields.error(Field.latitude, "\(latitude) is outside -90...90") }
        if let longitude, !(-180...180).contains(longitude) { throw fields.error(Field.longitude, "\(longitude) is outside -180...180") }

        var pseudonym: String?
        if let rawUser = try fields.identifier(Field.userID) {
            if let known = pseudonyms[rawUser] {
                pseudonym = known
            } else {
                let computed = pseudonymizer.pseudonym(of: rawUser)
                pseudonyms[rawUser] = computed
                pseudonym = computed
            }
        }

        return EventDraft(
            sourceEventID: try fields.identifier(Field.eventID),
            type: type,
            userPseudonym: pseudonym,
            itemID: itemID,
            sessionID: try fields.identifier(Field.sessionID),
            timestampMs: time.milliseconds,
            value: value,
            price: price,
            device: device,
            country: try fields.text(Field.country, maxLength: 64),
            region: try fields.text(Field.region, maxLength: 128),
            localHour: try fields.integer(Field.hour, in: 0...23) ?? time.localHour,
            referrer: try fields.text(Field.referrer, maxLength: 2048),
            experiment: try fields.text(Field.experiment, maxLength: 128),
            variant: try fields.text(Field.variant, maxLength: 128),
            requestID: try fields.identifier(Field.requestID),
            latitude: latitude.map(Coordinates.coarsen), longitude: longitude.map(Coordinates.coarsen),
            timeZone: try timeZone(fields))
    }

    /// An IANA name: letters, digits and `_+-` in up to three parts separated by `/` (Europe/London,
    /// America/Argentina/Buenos_Aires, Etc/GMT+5, UTC). Checked by its shape, not against a time
    /// zone database, which a server may not have installed.
    private func timeZone(_ fields: FieldReader) throws(DataError) -> String? {
        guard let text = try fields.text(Field.timeZone, maxLength: 64) else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || "_+-".contains(c)) }
        guard parts.count <= 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed) }), parts[0].first?.isLetter == true else {
            throw fields.error(Field.timeZone, "'\(text.prefix(40))' is not a time zone name such as Europe/London")
        }
        return text
    }
}
