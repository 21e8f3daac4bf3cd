import Foundation
import Testing

@testable import KindredEngine

/// The rule language on hand-written cases: what each rule parses to, and where and why a bad
/// one is refused.
@Suite struct RuleLanguageTests {
    @Test func theIssuesExamplesParseToWhatTheySay() throws {
        let rules = try RuleParser.parse(
            """
            boost 1.5 where category = 'sale' and in_stock
            bury where price > person.p75_price
            # a comment, and a blank line

            pin P00123 at 1 for segment 'new visitors'
            filter where tags contains 'adult' for device = 'kiosk'
            cap 2 per brand
            boost 2 where category = 'seasonal' from 2026-12-01 to 2026-12-24
            """)
        #expect(rules.map(\.line) == [1, 2, 5, 6, 7, 8])
        #expect(rules[0].rule.action == .boost(1.5))
        #expect(rules[0].rule.itemCondition == .and(.compare(field: "category", op: "=", value: .text("sale")), .flag(field: "in_stock")))
        #expect(rules[1].rule.action == .bury)
        #expect(rules[1].rule.itemCondition == .compare(field: "price", op: ">", value: .field("person.p75_price")))
        #expect(rules[2].rule.action == .pin(itemID: "P00123", position: 1))
        #expect(rules[2].rule.requestCondition == .compare(field: "segment", op: "=", value: .text("new visitors")))
        #expect(rules[3].rule.action == .filter)
        #expect(rules[3].rule.itemCondition == .contains(field: "tags", value: "adult"))
        #expect(rules[3].rule.requestCondition == .compare(field: "device", op: "=", value: .text("kiosk")))
        #expect(rules[4].rule.action == .cap(2, per: "brand"))
        #expect(rules[5].rule.fromDay == "2026-12-01" && rules[5].rule.toDay == "2026-12-24")
    }

    @Test func andBindsTighterThanOrAndParenthesesAndNotGroup() throws {
        let rule = try RuleParser.parse("boost 2 where brand = 'a' or brand = 'b' and not (price < 5 or in_stock)")[0].rule
        let a = RuleSyntax.Condition.compare(field: "brand", op: "=", value: .text("a"))
        let b = RuleSyntax.Condition.compare(field: "brand", op: "=", value: .text("b"))
        let inner = RuleSyntax.Condition.or(.compare(field: "price", op: "<", value: .number(5)), .flag(field: "in_stock"))
        #expect(rule.itemCondition == .or(a, .and(b, .not(inner))))
        #expect(try RuleParser.parse("boost 2 where title = 'O''Brien''s'")[0].rule.itemCondition
            == .compare(field: "title", op: "=", value: .text("O'Brien's")))
    }

    @Test func aRulesDayIsTheUTCCalendarDay() {
        // Checked against `date -u -d @SECONDS +%F`.
        for (ms, day) in [
            (Int64(0), "1970-01-01"), (1_709_164_800_000, "2024-02-29"), (1_709_251_199_999, "2024-02-29"),
            (1_764_720_000_000, "2025-12-03"), (1_796_256_000_000, "2026-12-03"), (-1, "1969-12-31"), (951_782_400_000, "2000-02-29"),
        ] {
            #expect(CompiledRule.day(of: ms) == day, "\(ms)")
        }
        #expect(RuleSyntax.Condition.compare(field: "price", op: ">", value: .field("person.p75_price")).mentions("person.p75_price"))
    }

    @Test func errorsNameTheLineTheColumnAndWhatWasExpected() {
        for (text, line, column, message) in [
            ("lift 2 where in_stock", 1, 1, "expected boost, bury, pin, filter or cap, found 'lift'"),
            ("boost where in_stock", 1, 7, "expected a factor such as 1.5, found 'where'"),
            ("boost 0 where in_stock", 1, 7, "expected a factor above 0"),
            ("cap 2 per colour", 1, 11, "expected category or brand, found 'colour'"),
            ("boost 2\nbury where colour = 'red'", 2, 12, "unknown field 'colour' (known here: brand, category, in_stock"),
            ("bury where price > 'cheap'", 1, 20, "expected a number or a number field"),
            ("bury where category > 'a'", 1, 21, "expected = or != (category is text)"),
            ("boost 2 where in_stock for colour = 'x'", 1, 28, "unknown field 'colour' (known here: country, device, hour"),
            ("boost 2 where (in_stock", 1, 24, "expected ), found the end of the line"),
            ("boost 2 where title = 'open", 1, 23, "unterminated string"),
            ("pin P1 at 0", 1, 11, "expected a whole position from 1 to 1000"),
            ("boost 2 from 2026-12-24 to 2026-12-01", 1, 28, "expected an end date on or after the start"),
            ("filter", 1, 7, "filter needs where"),
            ("boost 2 where in_stock extra", 1, 24, "expected and, or, for, from or the end, found 'extra'"),
            ("", 1, 1, "no rule"),
            ("filter where in_stock for device = 'fridge'", 1, 36, "unknown device 'fridge' (known: desktop, mobile"),
        ] {
            #expect {
                _ = try RuleParser.parse(text)
            } throws: { error in
                guard let error = error as? RuleError else { return false }
                let ok = error.line == line && error.column == column && error.message.hasPrefix(message)
                if !ok { Issue.record("\(text): \(error)") }
                return ok
            }
        }
    }
}
