import Foundation
import SluiceCore
import SluicePostgres

/// The gateway's API keys (`api_keys`): created, listed, revoked by operators
/// (`sluice keys`), checked by the gateway on every request. Each key belongs to an
/// owner (``JobOwner``) and sees that owner's jobs only, unless its scope is admin.
///
/// A key is `sluice_` and 48 random hex digits (192 bits from the system's secure
/// generator). Only its SHA-256 is stored, so a database dump reveals no key; the key
/// is returned once, by ``create(name:scope:)``.
public struct APIKeyStore: Sendable {
    /// What a key may do.
    public enum Scope: String, Sendable, CaseIterable {
        /// GET requests only.
        case read
        /// GET requests, submitting, cancelling and retrying jobs.
        case write
        /// As write, over every owner's jobs.
        case admin
    }

    /// A key as listed: never the key itself.
    public struct Key: Sendable, Equatable {
        public let name: String
        /// The key's first characters, to recognise it.
        public let prefix: String
        public let scope: Scope
        /// The owner whose jobs the key sees, and to whom the jobs it submits belong.
        public let owner: String
        public let createdAt: Date
        public let lastUsedAt: Date?
        public let revokedAt: Date?

        init(row: PostgresRow) throws {
            name = try row.decode("name")
            prefix = try row.decode("key_prefix")
            scope = Scope(rawValue: try row.decode("scope")) ?? .read
            owner = try row.decode("owner")
            createdAt = try row.decode("created_at")
            lastUsedAt = try row.decode("last_used_at")
            revokedAt = try row.decode("revoked_at")
        }
    }

    /// Why a key cannot be created.
    public struct NameTaken: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "an active key is already named '\(name)'; revoke it first or choose another name" }
    }

    private let pool: PostgresPool

    /// Creates a store over `pool`.
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Creates a key for `owner` and returns it: the only time the key itself is seen.
    public func create(name: String, scope: Scope, owner: String = JobOwner.standard) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let key = "sluice_" + secret
        do {
            try await pool.withConnection { db in
                _ = try db.execute("""
                    INSERT INTO api_keys (key_id, name, key_prefix, key_sha256, scope, owner)
                    VALUES (\(UUID()), \(name), \(String(key.prefix(15))), \(SHA256.hex(Array(key.utf8))), \(scope.rawValue), \(owner))
                    """)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw NameTaken(name: name)
        }
        return key
    }

    /// Every key, active ones first, newest first.
    public func list() async throws -> [Key] {
        try await pool.withConnection { db in
            try db.query("""
                SELECT name, key_prefix, scope, owner, created_at, last_used_at, revoked_at FROM api_keys
                ORDER BY revoked_at IS NOT NULL, created_at DESC
                """).map(Key.init(row:))
        }
    }

    /// Revokes the active key named `name`; returns whether there was one.
    public func revoke(name: String) async throws -> Bool {
        try await pool.withConnection { db in
            try db.execute("UPDATE api_keys SET revoked_at = now() WHERE name = \(name) AND revoked_at IS NULL") > 0
        }
    }

    /// The active key that `presented` is, or nil (unknown or revoked). Notes its use
    /// at most once a minute, so that checking a key rarely writes.
    public func authenticate(_ presented: String) async throws -> Key? {
        let digest = SHA256.hex(Array(presented.utf8))
        return try await pool.withConnection { db in
            guard let row = try db.query("""
                SELECT name, key_prefix, scope, owner, created_at, last_used_at, revoked_at FROM api_keys
                WHERE key_sha256 = \(digest) AND revoked_at IS NULL
                """).first else { return nil }
            let key = try Key(row: row)
            if key.lastUsedAt.map({ $0 < Date().addingTimeInterval(-60) }) ?? true {
                _ = try db.execute("UPDATE api_keys SET last_used_at = now() WHERE key_sha256 = \(digest)")
            }
            return key
        }
    }
}
