import AWSJSONProtocol
import AWSQueryProtocol
import AWSSigV4
import DXDispatch
import DirectConnect
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceKit
import ServiceLifecycle
import Storage
import StoragePostgres
import StorageSQLite
import UnixSignals

/// Builds and runs the dxlocal HTTP server: one port for every service, JSON 1.1 on `POST /`.
package enum DXServer {
    /// The SQLite database's file in the data directory.
    package static let databaseFileName = "dxlocal.sqlite"

    /// dxlocal's version (semver), as `GET /_dxlocal/health` and `dxlocal --version` report it. (our choice) 0.x
    /// until every Direct Connect operation is served.
    package static let version = "0.3.0"

    /// The router of a server over `service`: the protocol middleware, `POST /` and the health check.
    package static func router(
        table: OperationTable,
        resolver: CallerResolver,
        verifier: SigV4Verifier? = nil,
        clock: any ServiceClock = SystemClock(),
        clockOffset: ClockOffset? = nil,
        health: StoreHealth? = nil,
        faults: FaultRules? = nil,
        metrics: ServerMetrics? = nil,
        maximumBodySize: Int
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AWSProtocolMiddleware(maximumBodySize: maximumBodySize, metrics: metrics, table: table))
        if let clockOffset { router.add(middleware: ClockRefresh(offset: clockOffset)) }
        router.post("/") { request, context -> Response in
            let headers = ProtocolHeaders(request.headers)
            // The middleware's labels, without reading the fields again (EC2's Query protocol sets its own below).
            ResolvedScope.current?.target = headers.target
            if headers.contentType(startsWith: AWSQueryCoding.formContentType) {
                return try await answerQuery(
                    request,
                    headers: headers,
                    table: table,
                    resolver: resolver,
                    verifier: verifier,
                    clock: clock,
                    faults: faults,
                    metrics: metrics,
                    maximumBodySize: maximumBodySize
                )
            }
            guard headers.contentType(startsWith: "application/x-amz-json-1.") else {
                throw AWSError.serialization(
                    "Content-Type must be \(AWSJSONCoding.contentType), not \(Identifiers.quoted(headers.contentType ?? ""))"
                )
            }
            let body = try await collectBody(request, upTo: maximumBodySize)
            var scope = resolver.scope(authorization: headers.authorization)
            if let verifier {
                let service = headers.target.flatMap(AWSTarget.init).flatMap { table.signingName(ofPrefix: $0.prefix) }
                scope.account = try authenticate(request, body: body, with: verifier, services: service.map { [$0] })
                    .account
            }
            ResolvedScope.current?.scope = scope
            let handler = try table.handler(for: headers.target)
            if let faults, let target = headers.target {
                try await meet(faults, target: target, scope: scope, table: table, metrics: metrics)
            }
            return Response(
                status: .ok,
                headers: .reply(contentType: AWSJSONCoding.contentType),
                body: ResponseBody(try await handler(body, scope))
            )
        }
        // With `--auth sigv4` health needs a caller from the credentials file, as everything under `/_dxlocal/`
        // (issue 18); an orchestrator's probe without credentials can check the port instead.
        router.get(RouterPath(OperatorRoutes.healthPath)) { request, _ -> Response in
            _ = try await OperatorRoutes.operatorBody(request, verifier: verifier)
            let (status, body) = await StoreHealth.report(health)
            return OperatorRoutes.json(body, status: status)
        }
        router.head(RouterPath(OperatorRoutes.healthPath)) { request, _ -> Response in
            _ = try await OperatorRoutes.operatorBody(request, verifier: verifier)
            return Response(
                status: await StoreHealth.report(health).status,
                headers: [.contentType: "application/json"]
            )
        }
        return router
    }

    /// A request of EC2's Query protocol (`POST /`, a form body naming its `Action`): the same caller resolution,
    /// signature check and fault rules as the JSON services, every error in EC2's XML form.
    static func answerQuery(
        _ request: Request,
        headers: ProtocolHeaders,
        table: OperationTable,
        resolver: CallerResolver,
        verifier: SigV4Verifier?,
        clock: any ServiceClock,
        faults: FaultRules?,
        metrics: ServerMetrics?,
        maximumBodySize: Int
    ) async throws -> Response {
        do {
            let body = try await collectBody(request, upTo: maximumBodySize)
            var scope = resolver.scope(authorization: headers.authorization)
            if let verifier {
                let service = table.signingName(ofPrefix: Substring(OperationTable.ec2Prefix))
                scope.account = try authenticate(
                    request,
                    body: body,
                    with: verifier,
                    services: service.map { [$0] },
                    refusal: ec2Refusal
                ).account
            }
            ResolvedScope.current?.scope = scope
            let query = try QueryParameters(form: body.readableBytesView)
            let action = try AWSQueryCoding.action(of: query, version: OperationTable.ec2APIVersion)
            let (handler, target) = try table.handler(forAction: action, of: OperationTable.ec2Prefix)
            ResolvedScope.current?.target = target
            if let faults { try await meet(faults, target: target, scope: scope, table: table, metrics: metrics) }
            return Response(
                status: .ok,
                headers: [.contentType: AWSQueryCoding.contentType],
                body: ResponseBody(try await handler(query, scope))
            )
        } catch let error as AWSError {
            throw QueryProtocolFailure(error)
        } catch let fault as ServerFault {
            throw QueryProtocolFailure(fault.reply, cause: fault.cause)
        }
    }

    /// Waits and fails as the first fault rule that matches the request says, if one does.
    static func meet(
        _ faults: FaultRules,
        target: String,
        scope: Scope,
        table: OperationTable,
        metrics: ServerMetrics?
    ) async throws {
        guard let parsed = AWSTarget(target), let service = table.signingName(ofPrefix: parsed.prefix),
            let fault = faults.fault(for: .init(service: service, operation: parsed.operation, scope: scope))
        else { return }
        metrics?.faultInjected(service: service, operation: parsed.operation)
        if fault.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(fault.latencyMilliseconds)) }
        if let error = fault.error { throw error }
    }

    /// A request's whole body, up to `limit` bytes (AWS's 413 beyond).
    static func collectBody(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw AWSError.requestTooLarge(limit: limit)
        }
    }

    /// The most one `POST /_dxlocal/clock` moves the clock: a hundred years.
    static let maximumClockAdvance: TimeInterval = 100 * 365.25 * 86_400
    /// 10000-01-01T00:00:00Z: ISO 8601 timestamps on the wire have four-digit years.
    static let latestClockTime: TimeInterval = 253_402_300_800

    /// `POST /_dxlocal/clock` with `{"advanceSeconds": N}` moves the clock forward and answers the new time; with
    /// `--auth sigv4`, for a caller of the credentials file only, as every operator call.
    package static func addClockControl(
        to router: Router<BasicRequestContext>,
        offset: ClockOffset,
        verifier: SigV4Verifier? = nil
    ) {
        let clock = offset.clock
        router.post(RouterPath(OperatorRoutes.clockPath)) { request, _ -> Response in
            let body = try await OperatorRoutes.operatorBody(request, verifier: verifier)
            let advance = try AWSJSONCoding.decode(ClockAdvance.self, from: body.readableBytesView)
            guard let seconds = advance.advanceSeconds else {
                throw AWSError.serialization("Member advanceSeconds is missing")
            }
            // Time only runs forward, and never past what a timestamp on the wire can spell (our choice).
            guard seconds.isFinite, (0...maximumClockAdvance).contains(seconds) else {
                throw OperatorRoutes.invalid(
                    "Member advanceSeconds must be between 0 and \(Int(maximumClockAdvance)) (a hundred years)"
                )
            }
            guard clock.now.timeIntervalSince1970 + seconds < latestClockTime else {
                throw OperatorRoutes.invalid("The clock cannot be moved past the year 9999")
            }
            try await offset.advance(by: seconds)
            return OperatorRoutes.json(#"{"now":\#(clock.now.timeIntervalSince1970)}"#)
        }
    }

    /// Without `--clock-control`, `POST /_dxlocal/clock` is still not served, but its 404 says how to serve it, so
    /// that a test suite pointed at a server started without the flag fails with the cause (our choice).
    static func addClockControlHint(to router: Router<BasicRequestContext>) {
        router.post(RouterPath(OperatorRoutes.clockPath)) { _, _ -> Response in
            throw AWSError(
                code: "UnknownOperationException",
                message: "\(OperatorRoutes.clockPath) is served only by a server started with --clock-control "
                    + "(DXLOCAL_CLOCK_CONTROL=1)",
                status: 404
            )
        }
    }

    /// Verifies the request's signature, scoped to one of `services` when they are named; a refusal is `refusal`
    /// of the failure (the JSON services' 403 with its code by default). The signing time is checked against the
    /// system's clock, whatever `--clock-control` made of the service's: a client signs with the time it reads.
    static func authenticate(
        _ request: Request,
        body: ByteBuffer,
        with verifier: SigV4Verifier,
        services: [String]?,
        refusal: (SigV4Failure) -> AWSError = { AWSError(code: $0.code, message: $0.message, status: 403) }
    ) throws
        -> SigV4Credential
    {
        var headers = [(name: "host", value: request.head.authority ?? "")]
        for field in request.headers { headers.append((field.name.canonicalName, field.value)) }
        let signed = SigV4.Request(
            method: request.method.rawValue,
            path: request.uri.path,
            query: request.uri.query ?? "",
            headers: headers,
            body: Array(body.readableBytesView)
        )
        do {
            return try verifier.verify(signed, now: Date(), services: services)
        } catch {
            throw refusal(error)
        }
    }

    /// A refused signature as EC2 answers it: `AuthFailure` (401) for credentials it does not know,
    /// `SignatureDoesNotMatch` (403) for a wrong signature or scope, `RequestExpired` (400) out of the 15 minutes,
    /// `IncompleteSignature` (400) and `MissingAuthenticationToken` (403), where the JSON services answer with
    /// their `...Exception` codes, all 403. (AWS SDK issues show the first three's codes, statuses and texts from
    /// EC2: aws-sdk-java-v2#2981, aws-cli#134, aws-sdk-go-v2#1674; the last two follow EC2's list of common errors.)
    static func ec2Refusal(_ failure: SigV4Failure) -> AWSError {
        switch failure.reason {
        case .missing:
            AWSError(
                code: "MissingAuthenticationToken",
                message: "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.",
                status: 403
            )
        case .incomplete: AWSError(code: "IncompleteSignature", message: failure.message, status: 400)
        case .unrecognized:
            AWSError(
                code: "AuthFailure",
                message: "AWS was not able to validate the provided access credentials",
                status: 401
            )
        case .expired: AWSError(code: "RequestExpired", message: "Request has expired.", status: 400)
        case .mismatch: AWSError(code: "SignatureDoesNotMatch", message: failure.message, status: 403)
        }
    }

    /// Opens the store named by the configuration.
    package static func openStore(
        _ configuration: DXServerConfiguration,
        logger: Logger,
        metrics: WritePathMetrics = .none
    ) async throws -> any Store {
        switch configuration.storage {
        case .memory:
            return try await SQLiteStore.open(.memory, logger: logger, metrics: metrics)
        case .directory(let directory):
            let lock = try DataDirectoryLock.creating(directory)
            do {
                let path = (directory as NSString).appendingPathComponent(databaseFileName)
                let store = try await SQLiteStore.open(
                    .file(path: path),
                    logger: logger,
                    metrics: metrics,
                    commitsBetweenCheckpoints: configuration.checkpointCommits
                )
                return LockedStore(store: store, lock: lock)
            } catch {
                lock.release()
                throw error
            }
        }
    }

    /// Runs until SIGINT or SIGTERM, then stops taking requests, lets in-flight ones finish and closes the store.
    /// `onListening` receives the bound address once the port is open.
    package static func run(
        _ configuration: DXServerConfiguration,
        logger: Logger,
        onListening: @escaping @Sendable (String, Int) -> Void
    ) async throws {
        do {
            try await runServing(configuration, logger: logger, onListening: onListening)
        } catch let error as StoreError {
            // The store's reason alone: its type leads the text in logs, not in what the command prints.
            throw ServerStartFailure(description: error.detail)
        }
    }

    private static func runServing(
        _ configuration: DXServerConfiguration,
        logger: Logger,
        onListening: @escaping @Sendable (String, Int) -> Void
    ) async throws {
        MemoryTrimmer.configure()
        let metrics = ServerMetrics()
        guard let database = configuration.database else {
            let store = try await openStore(configuration, logger: logger, metrics: metrics.writePath(backend: .sqlite))
            do {
                try await serve(store: store, configuration, metrics: metrics, logger: logger, onListening: onListening)
            } catch {
                try? await store.close()
                throw error
            }
            return
        }
        guard configuration.masterKey != nil else {
            throw MasterKey.Failure(
                description: "--database needs DXLOCAL_MASTER_KEY: every instance on the database must share the key"
            )
        }
        var postgres = try PostgresStoreConfiguration(url: database)
        if let wait = configuration.databaseWait { postgres.reachWithin = wait }
        logger.info("using the shared store", metadata: ["database": "\(postgres.redactedURL)"])
        try await PostgresStore.withStore(postgres, logger: logger, metrics: metrics.writePath(backend: .postgres)) {
            store in
            try await serve(store: store, configuration, metrics: metrics, logger: logger, onListening: onListening)
        }
    }

    private static func serve(
        store: any Store,
        _ configuration: DXServerConfiguration,
        metrics: ServerMetrics,
        logger: Logger,
        onListening: @escaping @Sendable (String, Int) -> Void
    ) async throws {
        let sealer = try MasterKey.sealer(configured: configuration.masterKey, storage: configuration.storage)
        if let seed = configuration.randomSeed { NameRandomness.seed(seed) }
        let clock = OffsetClock()
        let clockOffset = ClockOffset(store: store, clock: clock)
        let table = OperationTable.serving(
            store: store,
            clock: clock,
            settleTimes: configuration.settleTimes,
            sealer: sealer,
            ec2External: configuration.ec2External,
            mka: configuration.mka
        )
        // The operator's view of the same rules, store and clock as the table's (the service keeps no state).
        let directConnect = DirectConnectService(
            store: store,
            clock: clock,
            settleTimes: configuration.settleTimes,
            sealer: sealer,
            ec2External: configuration.ec2External,
            mka: configuration.mka
        )
        let faults = FaultRules()
        let router = router(
            table: table,
            resolver: CallerResolver(accounts: configuration.accounts),
            verifier: configuration.verifier,
            clock: clock,
            // Another instance of a shared store may move the clock: each request reads it (`--clock-control`).
            clockOffset: configuration.clockControl && configuration.database != nil ? clockOffset : nil,
            health: StoreHealth(store: store, backend: configuration.database == nil ? .sqlite : .postgres),
            faults: faults,
            metrics: metrics,
            maximumBodySize: configuration.maximumBodySize
        )
        OperatorRoutes.add(
            to: router,
            store: store,
            table: table,
            faults: faults,
            metrics: metrics,
            directConnect: directConnect,
            state: StateTransfer(store: store, faults: faults, sealer: sealer, table: table, clockOffset: clockOffset),
            verifier: configuration.verifier,
            clock: clock
        )
        if configuration.clockControl {
            addClockControl(to: router, offset: clockOffset, verifier: configuration.verifier)
        } else {
            addClockControlHint(to: router)
        }
        let host = configuration.host
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port),
                serverName: "dxlocal"
            ),
            onServerRunning: { channel in
                onListening(host, channel.localAddress?.port ?? configuration.port)
            },
            logger: logger
        )
        // Services stop in reverse order: the server first, then the store it writes to.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: StoreService(store: store)), .init(service: MemoryTrimmer()),
                    // The seed is written through the store's write loop, which runs once the group does, and the
                    // server listens only after it.
                    .init(
                        service: AfterFirst(app) {
                            try await clockOffset.refresh()
                            try await applySeed(configuration.seed, table, store, directConnect, logger)
                        }
                    ),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ServerStartFailure(
                description: "\(host) port \(configuration.port) is already in use: stop what listens there, or "
                    + "choose another port with --port (0 takes any free one)"
            )
        }
    }
}

/// Why the server could not start (or its store failed it), as its command prints it (`Error: ...`).
package struct ServerStartFailure: Error, CustomStringConvertible {
    package var description: String
}

/// Runs `first`, then the service: what must be done after the group's other services have started and before this
/// one does.
struct AfterFirst<Wrapped: Service>: Service {
    let wrapped: Wrapped
    let first: @Sendable () async throws -> Void

    init(_ wrapped: Wrapped, first: @escaping @Sendable () async throws -> Void) {
        self.wrapped = wrapped
        self.first = first
    }

    func run() async throws {
        try await first()
        try await wrapped.run()
    }
}

extension DXServer {
    static func applySeed(
        _ seed: Seed?,
        _ table: OperationTable,
        _ store: any Store,
        _ directConnect: DirectConnectService,
        _ logger: Logger
    ) async throws {
        guard let seed else { return }
        guard let applied = try await seed.apply(table: table, store: store, directConnect: directConnect) else {
            logger.notice("the store holds records already: the seed is not applied")
            return
        }
        logger.info(
            "applied the seed",
            metadata: [
                "connections": "\(applied.connections)", "lags": "\(applied.lags)",
                "gateways": "\(applied.gateways)", "interconnects": "\(applied.interconnects)",
                "keys": "\(applied.keys)",
            ]
        )
    }
}

/// Runs the store's own work (the SQLite store's write loop) while the server runs, and closes the store, cleanly,
/// on shutdown: every queued write is answered before it stops.
struct StoreService: Service {
    let store: any Store

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await store.run() }
            try? await gracefulShutdown()
            try await store.close()
        }
    }
}
