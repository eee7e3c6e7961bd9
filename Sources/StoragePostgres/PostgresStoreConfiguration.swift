import Foundation
import PostgresNIO
import Storage

/// Where the shared store lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
package struct PostgresStoreConfiguration: Sendable {
    package var client: PostgresClient.Configuration
    /// The same server and login for the one connection made before the pool (`PostgresStore.prepare`).
    var connection: PostgresConnection.Configuration
    /// How long a start keeps trying to reach PostgreSQL before it gives up with the reason (`--database-wait`).
    package var reachWithin: Duration = .seconds(20)
    /// For logs: the URL with any password removed.
    package var redactedURL: String

    package init(url text: String) throws {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""),
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else {
            throw StoreError(.unavailable, "the database URL must look like postgres://USER@HOST:PORT/DATABASE")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        // An IPv6 address is connected to without the brackets the URL holds it in (Foundation on Linux keeps them).
        let address = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let tls: PostgresClient.Configuration.TLS
        let connectionTLS: PostgresConnection.Configuration.TLS
        do {
            switch url.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
            case "disable":
                (tls, connectionTLS) = (.disable, .disable)
            case "prefer":
                tls = .prefer(.makeClientConfiguration())
                connectionTLS = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case "require":
                tls = .require(.makeClientConfiguration())
                connectionTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default: throw StoreError(.unavailable, "sslmode must be disable, prefer or require")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot set up TLS for PostgreSQL: \(error)")
        }
        client = PostgresClient.Configuration(
            host: address,
            port: url.port ?? 5432,
            username: user,
            password: url.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        connection = PostgresConnection.Configuration(
            host: address,
            port: url.port ?? 5432,
            username: user,
            password: url.password,
            database: database.isEmpty ? nil : database,
            tls: connectionTLS
        )
        redactedURL = "postgres://\(user)@\(host):\(url.port ?? 5432)/\(database)"
    }
}
