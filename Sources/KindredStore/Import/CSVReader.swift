import Foundation

/// Reads RFC 4180 CSV (quoted fields with embedded commas, quotes and newlines; CRLF or LF)
/// from a memory-mapped file, one record at a time. A malformed record is reported with the
/// line it starts on and skipped, so that a caller can either stop or set it aside and go on.
public struct CSVReader {
    public enum Item {
        case record(fields: [String], line: Int, bytes: Range<Int>)
        case malformed(line: Int, message: String, bytes: Range<Int>)
    }

    public let data: Data
    public let maxRecordBytes: Int
    private let delimiter: UInt8
    public private(set) var offset = 0
    private var line = 1
    private var scratch: [UInt8] = []

    public init(data: Data, delimiter: UInt8 = UInt8(ascii: ","), maxRecordBytes: Int = 1 << 20) {
        self.data = data
        self.delimiter = delimiter
        self.maxRecordBytes = maxRecordBytes
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }  // UTF-8 byte order mark
    }

    /// The original text of a record, for reject files.
    public func text(of bytes: Range<Int>) -> String {
        let clipped = bytes.clamped(to: 0..<data.count)
        return String(decoding: data[data.startIndex + clipped.lowerBound..<data.startIndex + clipped.upperBound], as: UTF8.self)
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped.
    public mutating func next() -> Item? {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Item? in
            let bytes = buffer.bindMemory(to: UInt8.self)
            return nextItem(bytes)
        }
    }

    private mutating func nextItem(_ bytes: UnsafeBufferPointer<UInt8>) -> Item? {
        let end = bytes.count
        // Skip blank lines.
        while offset < end {
            if bytes[offset] == UInt8(ascii: "\n") {
                offset += 1
                line += 1
            } else if bytes[offset] == UInt8(ascii: "\r"), offset + 1 < end, bytes[offset + 1] == UInt8(ascii: "\n") {
                offset += 2
                line += 1
            } else {
                break
            }
        }
        guard offset < end else { return nil }

        let start = offset
        let startLine = line
        var fields: [String] = []
        var position = offset
        var lines = 0
        var contentEnd = offset

        func fail(_ message: String) -> Item {
            // Resynchronize on the line after the one the record started on.
            var resume = start
            while resume < end, bytes[resume] != UInt8(ascii: "\n") { resume += 1 }
            let recordEnd = resume
            if resume < end { resume += 1 }
            offset = resume
            line = startLine + 1
            return .malformed(line: startLine, message: message, bytes: start..<recordEnd)
        }

        while true {
            let fieldNumber = fields.count + 1
            if position < end, bytes[position] == UInt8(ascii: "\"") {
                // Quoted field.
                scratch.removeAll(keepingCapacity: true)
                position += 1
                var closed = false
                while position < end {
                    let byte = bytes[position]
                    if byte == UInt8(ascii: "\"") {
                        if position + 1 < end, bytes[position + 1] == UInt8(ascii: "\"") {
                            scratch.append(byte)
                            position += 2
                            continue
                        }
                        position += 1
                        closed = true
                        break
                    }
                    if byte == 0 { return fail("field \(fieldNumber): binary data (NUL byte)") }
                    if byte == UInt8(ascii: "\n") { lines += 1 }
                    scratch.append(byte)
                    position += 1
                    if position - start > maxRecordBytes {
                        return fail("record longer than \(maxRecordBytes) bytes (an unterminated quote?)")
                    }
                }
                guard closed else { return fail("field \(fieldNumber): quoted field is never closed") }
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    return fail("field \(fieldNumber): not UTF-8 text")
                }
                fields.append(text)
                if position < end, bytes[position] != delimiter, bytes[position] != UInt8(ascii: "\n"),
                    !(bytes[position] == UInt8(ascii: "\r") && (position + 1 == end || bytes[position + 1] == UInt8(ascii: "\n")))
                {
                    return fail("field \(fieldNumber): unexpected character after a closing quote")
                }
            } else {
                // Unquoted field: runs to the delimiter or the end of the line.
                let fieldStart = position
                var highBits: UInt8 = 0
                while position < end {
                    let byte = bytes[position]
                    highBits |= byte
                    if byte == delimiter || byte == UInt8(ascii: "\n") { break }
                    if byte == UInt8(ascii: "\r"), position + 1 == end || bytes[position + 1] == UInt8(ascii: "\n") { break }
                    if byte == UInt8(ascii: "\"") {
                        return fail("field \(fieldNumber): quote inside an unquoted field (quote the whole field and double the quote)")
                    }
                    if byte == 0 { return fail("field \(fieldNumber): binary data (NUL byte)") }
                    position += 1
                }
                if position - start > maxRecordBytes { return fail("record longer than \(maxRecordBytes) bytes") }
                let fieldBytes = UnsafeBufferPointer(rebasing: bytes[fieldStart..<position])
                if highBits < 0x80 {
                    fields.append(String(decoding: fieldBytes, as: UTF8.self))  // ASCII: valid by construction
                } else {
                    guard let text = String(validating: fieldBytes, as: UTF8.self) else {
                        return fail("field \(fieldNumber): not UTF-8 text")
                    }
                    fields.append(text)
                }
            }
            // After a field: delimiter, end of line or end of file.
            contentEnd = position
            if position >= end {
                break
            }
            if bytes[position] == delimiter {
                position += 1
                if position >= end {
                    contentEnd = position
                    fields.append("")
                    break
                }
                continue
            }
            if bytes[position] == UInt8(ascii: "\r") { position += 1 }
            if position < end, bytes[position] == UInt8(ascii: "\n") { position += 1 }
            lines += 1
            break
        }
        offset = position
        line = startLine + lines
        return .record(fields: fields, line: startLine, bytes: start..<contentEnd)
    }
}
