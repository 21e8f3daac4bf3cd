import Testing

@testable import KindredServer

/// The key after "Bearer " loses its surrounding blanks: ASCII spaces and tabs byte by byte,
/// and for a value with other characters every Unicode blank, as Foundation trims them.
@Suite struct CredentialTrimTests {
    @Test func trimsAsBefore() {
        #expect(APIKeyMiddleware.trimmed("kd_pub_a.b") == "kd_pub_a.b")
        #expect(APIKeyMiddleware.trimmed("  kd_pub_a.b \t") == "kd_pub_a.b")
        #expect(APIKeyMiddleware.trimmed("kd pub") == "kd pub")
        #expect(APIKeyMiddleware.trimmed(" \t ") == "")
        #expect(APIKeyMiddleware.trimmed("") == "")
        #expect(APIKeyMiddleware.trimmed("\u{00A0}kd_pub_a\u{3000}") == "kd_pub_a")
        #expect(APIKeyMiddleware.trimmed("\u{00A0}kd_é ") == "kd_é")
    }
}
