import Foundation
import PostgresNIO
import Storage

/// Where the shared store lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
package struct PostgresStoreConfiguration: Sendable {
    package var client: PostgresClient.Configuration
    /// For logs: the URL with any password removed.
    package var redactedURL: String

    package init(url text: String) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else {
            throw StoreError(.unavailable, "the database URL must look like postgres://USER@HOST:PORT/DATABASE")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let tls: PostgresClient.Configuration.TLS
        switch url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw StoreError(.unavailable, "sslmode must be disable, prefer or require")
        }
        client = PostgresClient.Configuration(
            host: host,
            port: url.port ?? 5432,
            username: user,
            password: url.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        redactedURL = "postgres://\(user)@\(host):\(url.port ?? 5432)/\(database)"
    }
}
