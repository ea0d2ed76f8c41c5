/// The PostgreSQL type a bound parameter is declared as (its type OID).
///
/// ``unspecified`` lets the server infer the type from where the parameter appears,
/// which is what a quoted literal would get.
public struct PostgresDataType: Hashable, Sendable {
    /// The type's OID in `pg_type`.
    public let oid: UInt32

    /// Creates a type from its OID in `pg_type`.
    public init(oid: UInt32) {
        self.oid = oid
    }

    /// Inferred by the server from context (OID 0).
    public static let unspecified = PostgresDataType(oid: 0)
    /// `boolean`.
    public static let bool = PostgresDataType(oid: 16)
    /// `bytea`.
    public static let bytea = PostgresDataType(oid: 17)
    /// `bigint`.
    public static let int8 = PostgresDataType(oid: 20)
    /// `integer`.
    public static let int4 = PostgresDataType(oid: 23)
    /// `text`.
    public static let text = PostgresDataType(oid: 25)
    /// `double precision`.
    public static let float8 = PostgresDataType(oid: 701)
    /// `timestamp with time zone`.
    public static let timestamptz = PostgresDataType(oid: 1184)
    /// `uuid`.
    public static let uuid = PostgresDataType(oid: 2950)
    /// `jsonb`.
    public static let jsonb = PostgresDataType(oid: 3802)
}
