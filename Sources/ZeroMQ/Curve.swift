import CZeroMQ

/// A CURVE key pair, both keys in Z85 text (40 characters).
///
/// ```swift
/// let server = try CurveKeyPair.generate()
/// try socket.makeCurveServer(secretKey: server.secretKey)
/// ```
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair (`zmq_curve_keypair`); throws if libzmq was built without CURVE.
    public static func generate() throws -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: text(publicKey), secretKey: text(secretKey))
    }

    /// The public key belonging to a secret key (`zmq_curve_public`).
    public static func publicKey(forSecret secretKey: String) throws -> String {
        var publicKey = [CChar](repeating: 0, count: 41)
        guard secretKey.utf8.count == 40, zmq_curve_public(&publicKey, secretKey) == 0 else {
            throw ZMQError(errno: EINVAL, operation: "zmq_curve_public(a 40-character Z85 secret key)")
        }
        return text(publicKey)
    }

    /// The Z85 text of a 32-byte binary key, as ZAP hands it over.
    public static func z85(_ key: [UInt8]) -> String? {
        guard key.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        return key.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, 32) } == nil ? nil : Self.text(text)
    }

    /// The text of a NUL-terminated C string libzmq wrote into `buffer`.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Socket {
    /// Makes this socket a CURVE server: peers must know its public key and present their own,
    /// which a ZAP handler in the same context can accept or refuse (see ``setZAPDomain(_:)``).
    public func makeCurveServer(secretKey: String) throws {
        try setOption(ZMQ_CURVE_SERVER, Int32(1), "ZMQ_CURVE_SERVER")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8), "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket a CURVE client of the server with public key `serverKey`.
    public func makeCurveClient(serverKey: String, keyPair: CurveKeyPair) throws {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8), "ZMQ_CURVE_SERVERKEY")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(keyPair.publicKey.utf8), "ZMQ_CURVE_PUBLICKEY")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keyPair.secretKey.utf8), "ZMQ_CURVE_SECRETKEY")
    }

    /// The ZAP domain: with it set, every connection is put to the ZAP handler
    /// (`inproc://zeromq.zap.01`), even with the NULL mechanism.
    public func setZAPDomain(_ domain: String) throws {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8), "ZMQ_ZAP_DOMAIN")
    }
}
