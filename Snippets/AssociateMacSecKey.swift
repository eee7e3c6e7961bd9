// Associate a MACsec key with a dedicated connection, then rotate it, against dxlocal or AWS.
// scripts/client-example also builds this file as the program of a package outside the repository and runs it
// against `dxlocal serve`, so the snippet in the documentation is known to work.
import DirectConnectClient

// snippet.show
// Endpoint, region and credentials come from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ... or a profile.
let client = try DirectConnectClient()

let connection = try await client.createConnection(
    .init(location: "EqDC2", bandwidth: "10Gbps", connectionName: "macsec-demo", requestMACSec: true)
)
guard let connectionId = connection.connectionId else {
    throw AWSClientError(kind: .invalidResponse, code: "InvalidResponse", message: "CreateConnection gave no ID")
}

let pair = MacSecKeyPair.generate()  // 64 hex characters each, from a secure random source
let response = try await client.associateMacSecKey(
    .init(connectionId: connectionId, ckn: pair.ckn, cak: pair.cak)
)
// The new key comes last, answered `associating`; it is in use once a read shows it `associated`
// (at once with dxlocal's default settle time, after some minutes on AWS).
let added = response.macSecKeys?.last
print("associating \(connectionId) \(added?.ckn ?? "") \(added?.state ?? "")")
let described = try await client.describeConnections(.init(connectionId: connectionId))
for key in described.connections?.first?.macSecKeys ?? [] {
    print("associated \(connectionId) \(key.ckn ?? "") \(key.state ?? "")")
}

// Later: a new key in, the old one out, in one call. The router at the far end needs the new CAK too.
let next = MacSecKeyPair.generate()
let report = try await client.rotateMacSecKey(connectionId: connectionId, to: .pair(next))
print("rotated \(connectionId) to \(report.associated.ckn ?? ""), removed \(report.disassociated.count)")
// snippet.end
