import AWSSigV4
import ArgumentParser
import DXServer
import DirectConnect
import Foundation
import Logging

/// `dxlocal serve`: every option can also come from a `DXLOCAL_*` environment variable; the flag wins.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service until SIGINT or SIGTERM.")

    @Option(help: "Address to listen on. [env: DXLOCAL_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. [env: DXLOCAL_PORT] (default: 4587)")
    var port: Int?

    @Option(
        help:
            "Directory for the database and the generated master key. [env: DXLOCAL_DATA_DIR] (default: ./dxlocal-data)"
    )
    var dataDir: String?

    @Option(
        help:
            "A PostgreSQL URL (postgres://USER@HOST:PORT/DB): the store shared by many instances. [env: DXLOCAL_DATABASE]"
    )
    var database: String?

    @Option(
        help:
            "Seconds a start with --database keeps trying to reach PostgreSQL before it fails. [env: DXLOCAL_DATABASE_WAIT] (default: 20)"
    )
    var databaseWait: Double?

    @Flag(help: "Keep everything in memory; nothing survives the process. [env: DXLOCAL_IN_MEMORY=1]")
    var inMemory = false

    @Option(
        help: "Seconds a transition takes (associating -> associated, ...). [env: DXLOCAL_SETTLE_TIME] (default: 0)"
    )
    var settleTime: Double?

    @Option(
        help:
            "Seconds a connection's or LAG's transition takes, over --settle-time. [env: DXLOCAL_SETTLE_TIME_CONNECTION]"
    )
    var settleTimeConnection: Double?

    @Option(help: "Seconds a MACsec key's transition takes, over --settle-time. [env: DXLOCAL_SETTLE_TIME_KEY]")
    var settleTimeKey: Double?

    @Option(
        help:
            "Seconds a Direct Connect gateway's transition takes, over --settle-time. [env: DXLOCAL_SETTLE_TIME_GATEWAY]"
    )
    var settleTimeGateway: Double?

    @Option(
        help: """
            Seconds a gateway association's transition takes, over --settle-time. [env: \
            DXLOCAL_SETTLE_TIME_ASSOCIATION] (default: 2 when --settle-time is not given)
            """
    )
    var settleTimeAssociation: Double?

    @Option(
        help: "Seconds a virtual interface's transition takes, over --settle-time. [env: DXLOCAL_SETTLE_TIME_VIF]"
    )
    var settleTimeVif: Double?

    @Option(help: "Seconds a BGP peer's transition takes, over --settle-time. [env: DXLOCAL_SETTLE_TIME_BGP_PEER]")
    var settleTimeBgpPeer: Double?

    @Option(
        help: """
            Seconds a hosted connection's pending takes once confirmed, over --settle-time. [env: \
            DXLOCAL_SETTLE_TIME_HOSTED_CONNECTION]
            """
    )
    var settleTimeHostedConnection: Double?

    @Option(
        help: """
            Seconds an association proposal takes to read accepted or deleted, over --settle-time. [env: \
            DXLOCAL_SETTLE_TIME_PROPOSAL]
            """
    )
    var settleTimeProposal: Double?

    @Option(
        help: """
            Seconds a failover test's peers take to come back up once it ends, over --settle-time. [env: \
            DXLOCAL_SETTLE_TIME_FAILOVER_TEST]
            """
    )
    var settleTimeFailoverTest: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical. [env: DXLOCAL_LOG_LEVEL] (default: info)")
    var logLevel: String?

    @Option(
        help:
            "text, or json: one JSON object a line (time, level, message, request ID, service, operation, account, region, status, duration). [env: DXLOCAL_LOG_FORMAT] (default: text)"
    )
    var logFormat: String?

    @Option(
        help:
            "none (anyone; SigV4 parsed for region and account) or sigv4 (verify signatures). [env: DXLOCAL_AUTH] (default: none)"
    )
    var auth: String?

    @Option(
        help:
            "With --auth sigv4: lines of ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID [SESSION_TOKEN]. [env: DXLOCAL_CREDENTIALS_FILE]"
    )
    var credentialsFile: String?

    @Option(
        help: """
            local (VPCs, VPN and transit gateways served here, checked when Direct Connect names them) or external \
            (they live in another emulator: any well-formed vgw-/tgw- ID is taken). [env: DXLOCAL_EC2] (default: local)
            """
    )
    var ec2: String?

    @Option(
        help: """
            auto (a port whose customer router is not configured has one holding AWS's keys, secured once a key's \
            association settles) or none (such a port has no customer and never encrypts). [env: \
            DXLOCAL_CUSTOMER_ROUTER] (default: auto)
            """
    )
    var customerRouter: String?

    @Option(
        help: """
            Multiplies MKA's hello (2 s) and life (6 s) times on ports with a configured customer router. [env: \
            DXLOCAL_MKA_TIME_SCALE] (default: 1)
            """
    )
    var mkaTimeScale: Double?

    @Option(help: "Largest request body accepted, in bytes. [env: DXLOCAL_MAX_BODY_SIZE] (default: 1048576)")
    var maxBodySize: Int?

    @Option(
        help:
            "Commits between two checkpoints of the SQLite log; fewer keep the log smaller, more write less. [env: DXLOCAL_CHECKPOINT_COMMITS] (default: 1000)"
    )
    var checkpointCommits: Int?

    @Option(
        help:
            "A seed (JSON or YAML: accounts, regions, connections, LAGs, keys, fixed IDs) to create at start in an empty store. [env: DXLOCAL_SEED]"
    )
    var seed: String?

    @Option(
        help:
            "Make generated IDs, ARN suffixes, request IDs and fault draws repeatable from this number; a full reset starts the sequence again. [env: DXLOCAL_RANDOM_SEED]"
    )
    var randomSeed: UInt64?

    @Flag(help: "Serve POST /_dxlocal/clock to move the clock forward; for tests only. [env: DXLOCAL_CLOCK_CONTROL=1]")
    var clockControl = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = DXServerConfiguration()
        configuration.host = host ?? environment["DXLOCAL_HOST"] ?? configuration.host
        configuration.port = try port ?? Self.parse(environment["DXLOCAL_PORT"], "DXLOCAL_PORT") ?? configuration.port
        guard (0...65535).contains(configuration.port) else {
            throw ValidationError("--port must be between 0 and 65535")
        }
        let memory = inMemory || ["1", "true", "yes"].contains(environment["DXLOCAL_IN_MEMORY"]?.lowercased() ?? "")
        if memory {
            configuration.storage = .memory
        } else if let directory = dataDir ?? environment["DXLOCAL_DATA_DIR"] {
            configuration.storage = .directory(directory)
        }
        let every = try settleTime ?? Self.parse(environment["DXLOCAL_SETTLE_TIME"], "DXLOCAL_SETTLE_TIME")
        if let every {
            guard every >= 0, every.isFinite else {
                throw ValidationError("--settle-time must be a non-negative number of seconds")
            }
        }
        configuration.settleTimes.all = every
        let byKind: [(SettleTimes.Kind, Double?)] = [
            (.connection, settleTimeConnection), (.key, settleTimeKey), (.gateway, settleTimeGateway),
            (.association, settleTimeAssociation), (.vif, settleTimeVif), (.bgpPeer, settleTimeBgpPeer),
            (.hostedConnection, settleTimeHostedConnection), (.proposal, settleTimeProposal),
            (.failoverTest, settleTimeFailoverTest),
        ]
        for (kind, given) in byKind {
            let variable = "DXLOCAL_SETTLE_TIME_\(kind.rawValue.uppercased().replacing("-", with: "_"))"
            guard let seconds: Double = try given ?? Self.parse(environment[variable], variable) else { continue }
            guard seconds >= 0, seconds.isFinite else {
                throw ValidationError("--settle-time-\(kind.rawValue) must be a non-negative number of seconds")
            }
            configuration.settleTimes.byKind[kind] = seconds
        }
        let levelName = logLevel ?? environment["DXLOCAL_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        configuration.logLevel = level
        let formatName = logFormat ?? environment["DXLOCAL_LOG_FORMAT"] ?? "text"
        guard let format = StandardErrorLogHandler.Format(rawValue: formatName.lowercased()) else {
            throw ValidationError("--log-format must be text or json")
        }
        configuration.maximumBodySize =
            try maxBodySize ?? Self.parse(environment["DXLOCAL_MAX_BODY_SIZE"], "DXLOCAL_MAX_BODY_SIZE")
            ?? configuration.maximumBodySize
        configuration.checkpointCommits =
            try checkpointCommits ?? Self.parse(environment["DXLOCAL_CHECKPOINT_COMMITS"], "DXLOCAL_CHECKPOINT_COMMITS")
        if let commits = configuration.checkpointCommits, commits < 1 {
            throw ValidationError("--checkpoint-commits must be at least 1")
        }
        configuration.masterKey = environment["DXLOCAL_MASTER_KEY"]
        switch (auth ?? environment["DXLOCAL_AUTH"] ?? "none").lowercased() {
        case "none":
            break
        case "sigv4":
            guard let path = credentialsFile ?? environment["DXLOCAL_CREDENTIALS_FILE"] else {
                throw ValidationError("--auth sigv4 needs --credentials-file")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the credentials file \(path)")
            }
            let credentials = try SigV4Verifier.parseCredentialsFile(text)
            guard !credentials.isEmpty else { throw ValidationError("the credentials file \(path) lists nobody") }
            configuration.verifier = SigV4Verifier(credentials: credentials)
        default:
            throw ValidationError("--auth must be none or sigv4")
        }
        switch (ec2 ?? environment["DXLOCAL_EC2"] ?? "local").lowercased() {
        case "local": configuration.ec2External = false
        case "external": configuration.ec2External = true
        default: throw ValidationError("--ec2 must be local or external")
        }
        let router = (customerRouter ?? environment["DXLOCAL_CUSTOMER_ROUTER"] ?? "auto").lowercased()
        guard let routerPolicy = MKASettings.CustomerRouter(rawValue: router) else {
            throw ValidationError("--customer-router must be auto or none")
        }
        configuration.mka.customerRouter = routerPolicy
        if let scale = try mkaTimeScale ?? Self.parse(environment["DXLOCAL_MKA_TIME_SCALE"], "DXLOCAL_MKA_TIME_SCALE") {
            guard scale >= 0.001, scale <= 3_600 else {
                throw ValidationError("--mka-time-scale must be between 0.001 and 3600")
            }
            configuration.mka.timeScale = scale
        }
        configuration.database = database ?? environment["DXLOCAL_DATABASE"]
        if configuration.database != nil && memory {
            throw ValidationError("--database and --in-memory exclude each other")
        }
        if let wait = try databaseWait ?? Self.parse(environment["DXLOCAL_DATABASE_WAIT"], "DXLOCAL_DATABASE_WAIT") {
            guard wait >= 0, wait <= 86_400 else {
                throw ValidationError("--database-wait must be between 0 and 86400 seconds")
            }
            configuration.databaseWait = .milliseconds(Int64((wait * 1_000).rounded()))
        }
        configuration.randomSeed =
            try randomSeed ?? Self.parse(environment["DXLOCAL_RANDOM_SEED"], "DXLOCAL_RANDOM_SEED")
        if let path = seed ?? environment["DXLOCAL_SEED"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the seed \(path)")
            }
            do {
                configuration.seed = try Seed.read(text)
            } catch {
                throw ValidationError("the seed \(path): \(error.description)")
            }
        }
        configuration.clockControl =
            clockControl || ["1", "true", "yes"].contains(environment["DXLOCAL_CLOCK_CONTROL"]?.lowercased() ?? "")

        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, level: level, format: format) }
        var logger = Logger(label: "dxlocal")
        logger.logLevel = level
        try await DXServer.run(configuration, logger: logger) { host, port in
            // The one line on standard output: tools wait for it to learn the address (an IPv6 host in brackets,
            // as a URL has it).
            let named = host.contains(":") ? "[\(host)]" : host
            FileHandle.standardOutput.write(Data("dxlocal listening on http://\(named):\(port)\n".utf8))
        }
    }

    private static func parse<T: LosslessStringConvertible>(_ text: String?, _ name: String) throws -> T? {
        guard let text else { return nil }
        guard let value = T(text) else { throw ValidationError("\(name) is not a valid \(T.self): \(text)") }
        return value
    }
}
