import Crypto
import Foundation

/// SHA-256 fingerprints of migration files and API keys, as lower-case hex; the digest
/// itself comes from swift-crypto (`Crypto.SHA256`).
public enum SHA256 {
    /// The digest of `bytes` as 64 lower-case hex digits.
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        Crypto.SHA256.hash(data: Array(bytes)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
}
