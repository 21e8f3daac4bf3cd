import Foundation
import Testing

@testable import KindredStore

@Suite struct CSVReaderTests {
    /// Reads everything, describing records as fields and malformed records as "!line: message".
    func read(_ text: String, maxRecordBytes: Int = 1 << 20) -> [String] {
        read(bytes: Array(text.utf8), maxRecordBytes: maxRecordBytes)
    }

    func read(bytes: [UInt8], maxRecordBytes: Int = 1 << 20) -> [String] {
        var reader = CSVReader(data: Data(bytes), maxRecordBytes: maxRecordBytes)
        var out: [String] = []
        while let item = reader.next() {
            switch item {
            case .record(let fields, let line, _): out.append("\(line): " + fields.joined(separator: "|"))
            case .malformed(let line, let message, _): out.append("!\(line): \(message)")
            }
        }
        return out
    }

    @Test func plainRecordsWithLineNumbers() {
        #expect(read("a,b,c\n1,2,3\n") == ["1: a|b|c", "2: 1|2|3"])
        #expect(read("a,b\n1,2") == ["1: a|b", "2: 1|2"], "no newline at the end")
        #expect(read("a,,c\n,,\n") == ["1: a||c", "2: ||"], "empty fields")
        #expect(read("a,b,\n") == ["1: a|b|"], "a trailing delimiter makes an empty last field")
    }

    @Test func quotedFieldsHoldCommasQuotesAndNewlines() {
        #expect(read("\"a,b\",\"say \"\"hi\"\"\",c\n") == ["1: a,b|say \"hi\"|c"])
        #expect(read("id,text\n1,\"two\nlines\"\n2,next\n") == ["1: id|text", "2: 1|two\nlines", "4: 2|next"])
        #expect(read("\"\",x\n") == ["1: |x"], "an empty quoted field")
    }

    @Test func crlfByteOrderMarkAndBlankLines() {
        #expect(read("\u{FEFF}a,b\r\n1,2\r\n\r\n3,4\r\n") == ["1: a|b", "2: 1|2", "4: 3|4"])
        #expect(read("\"x\"\r\n") == ["1: x"])
    }

    @Test func badQuotesAreReportedAndReadingGoesOn() {
        #expect(read("a,b\n1,\"2\"x\n3,4\n") == ["1: a|b", "!2: field 2: unexpected character after a closing quote", "3: 3|4"])
        #expect(
            read("a,b\n1,2\"3\n4,5\n") == [
                "1: a|b", "!2: field 2: quote inside an unquoted field (quote the whole field and double the quote)", "3: 4|5",
            ])
        #expect(read("a,b\n1,\"never closed\n") == ["1: a|b", "!2: field 2: quoted field is never closed"])
    }

    @Test func binaryGarbageAndInvalidUTF8AreReported() {
        #expect(read(bytes: Array("a,b\n".utf8) + [0x31, 0x00, 0x2C, 0x32, 0x0A]) == ["1: a|b", "!2: field 1: binary data (NUL byte)"])
        #expect(
            read(bytes: Array("a,b\n".utf8) + [0xFF, 0xFE, 0x2C, 0x32, 0x0A] + Array("3,4\n".utf8)) == [
                "1: a|b", "!2: field 1: not UTF-8 text", "3: 3|4",
            ])
    }

    @Test func oversizedRecordsAreReported() {
        let long = String(repeating: "x", count: 100)
        #expect(read("a,b\n1,\(long)\n2,3\n", maxRecordBytes: 50) == ["1: a|b", "!2: record longer than 50 bytes", "3: 2|3"])
        #expect(
            read("a,b\n1,\"\(long)\n2,3\n", maxRecordBytes: 50) == [
                "1: a|b", "!2: record longer than 50 bytes (an unterminated quote?)", "3: 2|3",
            ])
    }

    @Test func rawTextOfARecordIsKeptForRejectFiles() {
        var reader = CSVReader(data: Data("a,b\n\"x,1\",2\n".utf8))
        _ = reader.next()
        guard case .record(_, _, let bytes) = reader.next() else {
            Issue.record("expected a record")
            return
        }
        #expect(reader.text(of: bytes) == "\"x,1\",2")
    }
}
