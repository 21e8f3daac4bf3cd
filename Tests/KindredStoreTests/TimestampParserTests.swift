import Testing

@testable import KindredStore

@Suite struct TimestampParserTests {
    func parse(_ text: String) -> TimestampParser.Parsed? {
        try? TimestampParser.parse(text).get()
    }

    @Test func isoAndWallClockFormats() {
        // 2011-12-09 12:50:00 UTC = 1323435000 s (date -u -d '2011-12-09 12:50:00' +%s)
        #expect(parse("2011-12-09 12:50:00") == .init(milliseconds: 1_323_435_000_000, localHour: 12))
        #expect(parse("2011-12-09T12:50:00Z") == .init(milliseconds: 1_323_435_000_000, localHour: nil))
        #expect(parse("2011-12-09T12:50:00.250Z") == .init(milliseconds: 1_323_435_000_250, localHour: nil))
        #expect(parse("2011-12-09T14:50:00+02:00") == .init(milliseconds: 1_323_435_000_000, localHour: 14))
        #expect(parse("2011-12-09T07:50:00-0500") == .init(milliseconds: 1_323_435_000_000, localHour: 7))
        #expect(parse("2011-12-09 12:50") == .init(milliseconds: 1_323_435_000_000, localHour: 12))
        #expect(parse("2011-12-09") == .init(milliseconds: 1_323_388_800_000, localHour: nil))
        #expect(parse("1970-01-01T00:00:00Z")?.milliseconds == 0)
        #expect(parse("2024-02-29T00:00:00Z")?.milliseconds == 1_709_164_800_000)
    }

    @Test func unixSecondsAndMilliseconds() {
        #expect(parse("1323435000") == .init(milliseconds: 1_323_435_000_000, localHour: nil))
        #expect(parse("1323435000.5")?.milliseconds == 1_323_435_000_500)
        #expect(parse("1323435000123") == .init(milliseconds: 1_323_435_000_123, localHour: nil))
        #expect(parse(" 1659304800025 ")?.milliseconds == 1_659_304_800_025)
    }

    @Test func nonsenseIsRefusedWithAReason() {
        #expect(TimestampParser.parse("") == .failure(.empty))
        #expect(TimestampParser.parse("yesterday") == .failure(.unrecognized))
        #expect(TimestampParser.parse("2011-13-01") == .failure(.outOfRange))
        #expect(TimestampParser.parse("2023-02-29 10:00:00") == .failure(.outOfRange))
        #expect(TimestampParser.parse("2011-12-09 25:00:00") == .failure(.outOfRange))
        #expect(TimestampParser.parse("2011-12-09X12:00") == .failure(.unrecognized))
        #expect(TimestampParser.parse("-5") == .failure(.unrecognized))
        #expect(TimestampParser.parse("99999999999999999") == .failure(.unrecognized))
        #expect(TimestampParser.parse("1e9") == .failure(.unrecognized))
    }

    @Test func formattingRoundTrips() {
        #expect(TimestampFormatter.iso8601(milliseconds: 1_323_435_000_000) == "2011-12-09T12:50:00Z")
        #expect(TimestampFormatter.iso8601(milliseconds: 1_709_164_800_250, fractional: true) == "2024-02-29T00:00:00.250Z")
        #expect(TimestampFormatter.iso8601(milliseconds: 0) == "1970-01-01T00:00:00Z")
    }
}
