import Foundation

/// Little-endian Float32 and Int64 arrays as BLOBs: the weight format the schema promises,
/// readable from any language (`numpy.frombuffer(blob, '<f4')`).
public enum FloatBlob {
    public static func encode(_ values: some Collection<Float>) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    public static func decodeFloats(_ data: Data) -> [Float] {
        var out = [Float](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { raw in
            for index in out.indices {
                out[index] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
        return out
    }

    public static func encode(_ values: some Collection<Int64>) -> Data {
        var data = Data(capacity: values.count * 8)
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    public static func decodeInt64s(_ data: Data) -> [Int64] {
        var out = [Int64](repeating: 0, count: data.count / 8)
        data.withUnsafeBytes { raw in
            for index in out.indices { out[index] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)) }
        }
        return out
    }

    public static func encode(_ values: some Collection<Int32>) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    public static func decodeInt32s(_ data: Data) -> [Int32] {
        var out = [Int32](repeating: 0, count: data.count / 4)
        data.withUnsafeBytes { raw in
            for index in out.indices { out[index] = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)) }
        }
        return out
    }
}
