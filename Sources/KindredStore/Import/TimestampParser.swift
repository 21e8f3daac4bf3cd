/// Parses the timestamps shops export: ISO-8601 (`2024-05-01T14:03:00Z`, with offsets and
/// fractions), `YYYY-MM-DD HH:MM:SS` (the shop's wall clock, taken as UTC), a bare date, and
/// Unix seconds or milliseconds (numbers of 1e11 and more are milliseconds).
///
/// Written by hand rather than with DateFormatter: an import parses one per row, and this is
/// some fifty times faster.
public enum TimestampParser {
    public struct Parsed: Equatable, Sendable {
        /// Unix milliseconds, UTC.
        public var milliseconds: Int64
        /// The hour on the clock that wrote the timestamp, when the text says it (a wall-clock
        /// time or one with an explicit offset); nil for Unix numbers, `Z` times and bare dates.
        public var localHour: Int?
    }

    /// Years outside this range are taken as mistakes (a number in the wrong unit, a typo).
    static let validYears = 1970...2200

    public static func parse(_ text: String) -> Result<Parsed, TimestampError> {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Result<Parsed, TimestampError> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        guard start < end else { return .failure(.empty) }
        let view = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if view.count >= 10, view[4] == UInt8(ascii: "-") {
            return parseCalendar(view)
        }
        return parseUnix(view)
    }

    private static func parseUnix(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Parsed, TimestampError> {
        var whole: Int64 = 0
        var index = 0
        var digits = 0
        while index < bytes.count, let digit = digit(bytes[index]) {
            guard digits < 16 else { return .failure(.unrecognized) }
            whole = whole * 10 + Int64(digit)
            index += 1
            digits += 1
        }
        guard digits > 0 else { return .failure(.unrecognized) }
        var fraction = 0.0
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "."), index + 1 < bytes.count else { return .failure(.unrecognized) }
            index += 1
            var scale = 0.1
            while index < bytes.count, let digit = digit(bytes[index]) {
                fraction += Double(digit) * scale
                scale /= 10
                index += 1
            }
            guard index == bytes.count else { return .failure(.unrecognized) }
        }
        let milliseconds: Int64 =
            whole >= 100_000_000_000 ? whole : whole * 1000 + Int64((fraction * 1000).rounded())
        return checkYear(Parsed(milliseconds: milliseconds, localHour: nil))
    }

    private static func parseCalendar(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Parsed, TimestampError> {
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<width {
                guard let digit = digit(bytes[index + offset]) else { return nil }
                value = value * 10 + digit
            }
            index += width
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard index < bytes.count, bytes[index] == char.asciiValue! else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2) else {
            return .failure(.unrecognized)
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            return .failure(.outOfRange)
        }
        var hour = 0
        var minute = 0
        var second = 0
        var millisecond = 0
        var hasTime = false
        var offsetMinutes: Int?
        if index < bytes.count {
            guard bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "t") else {
                return .failure(.unrecognized)
            }
            index += 1
            guard let h = number(2), expect(":"), let m = number(2) else { return .failure(.unrecognized) }
            hour = h
            minute = m
            hasTime = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                index += 1
                guard let s = number(2) else { return .failure(.unrecognized) }
                second = s
                if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    var scale = 100
                    var digits = 0
                    while index < bytes.count, let digit = digit(bytes[index]) {
                        millisecond += digit * scale
                        scale /= 10
                        index += 1
                        digits += 1
                    }
                    guard digits > 0 else { return .failure(.unrecognized) }
                }
            }
            guard hour < 24, minute < 60, second < 61 else { return .failure(.outOfRange) }
            if index < bytes.count {
                let sign = bytes[index]
                if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                    index += 1
                    offsetMinutes = 0
                } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    index += 1
                    guard let oh = number(2) else { return .failure(.unrecognized) }
                    _ = expect(":")
                    guard let om = number(2), oh < 24, om < 60 else { return .failure(.unrecognized) }
                    offsetMinutes = (sign == UInt8(ascii: "-") ? -1 : 1) * (oh * 60 + om)
                }
                guard index == bytes.count else { return .failure(.unrecognized) }
                if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                    // UTC says nothing about the person's own clock.
                    let days = daysFromCivil(year: year, month: month, day: day)
                    let seconds = ((Int64(days) * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(min(second, 59))
                    return checkYear(Parsed(milliseconds: seconds * 1000 + Int64(millisecond), localHour: nil), year: year)
                }
            }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        var seconds = ((Int64(days) * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(min(second, 59))
        seconds -= Int64(offsetMinutes ?? 0) * 60
        return checkYear(
            Parsed(milliseconds: seconds * 1000 + Int64(millisecond), localHour: hasTime ? hour : nil), year: year)
    }

    private static func checkYear(_ parsed: Parsed, year: Int? = nil) -> Result<Parsed, TimestampError> {
        let checkedYear = year ?? civilYear(fromMilliseconds: parsed.milliseconds)
        guard validYears.contains(checkedYear) else { return .failure(.outOfRange) }
        return .success(parsed)
    }

    @inline(__always) private static func digit(_ byte: UInt8) -> Int? {
        byte >= 48 && byte <= 57 ? Int(byte - 48) : nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilYear(fromMilliseconds ms: Int64) -> Int {
        let days = Int((ms / 1000).dividedRoundingDown(by: 86_400))
        return TimestampFormatter.civil(fromDays: days).year
    }
}

extension Int64 {
    fileprivate func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

/// Why a timestamp was refused.
public enum TimestampError: Error, Equatable, CustomStringConvertible, Sendable {
    case empty, unrecognized, outOfRange

    public var description: String {
        switch self {
        case .empty: return "missing timestamp"
        case .unrecognized:
            return "not a timestamp (expected ISO-8601, YYYY-MM-DD HH:MM:SS, or Unix seconds or milliseconds)"
        case .outOfRange: return "timestamp out of range (a date that does not exist, or a year outside 1970-2200)"
        }
    }
}
