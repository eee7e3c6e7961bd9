import DirectConnectModel
import Foundation
import ServiceKit
import Storage

extension StableWindow {
    /// Narrows the window by every instant the rendering of a connection (or interconnect) compares the clock with:
    /// its state's settling, and each key's (its LAG's, for a member) association, disassociation and expiry.
    mutating func consider(_ record: ConnectionRecord, lag: LagRecord?) {
        consider(record.state.settlesAt)
        for key in lag?.keys ?? record.keys {
            consider(key.associatedAt)
            consider(key.disassociatedAt)
            consider(key.expiresAt)
        }
    }
}

/// Records as the wire shows them at an instant.
extension DirectConnectService {
    static func macSecKeys(_ keys: [KeyRecord], at now: Date) -> [MacSecKey] {
        var rendered: [MacSecKey] = []
        rendered.reserveCapacity(keys.count)  // `compactMap` grew it key by key
        for key in keys {
            guard let state = Keychain.state(of: key, at: now) else { continue }
            rendered.append(
                MacSecKey(
                    secretARN: key.secretARN,
                    ckn: key.ckn,
                    state: state.rawValue,
                    startOn: ISO8601Timestamp.string(from: key.startOn)
                )
            )
        }
        return rendered
    }

    static func tags(_ tags: [TagRecord]) -> [Tag] {
        tags.map { Tag(key: $0.key, value: $0.value) }
    }

    /// A connection; a LAG member reports its LAG's keys and encryption mode, and MKA (`mka`) its encryption.
    static func connection(
        _ record: ConnectionRecord,
        lag: LagRecord?,
        in scope: Scope,
        at now: Date,
        state: ConnectionState? = nil,
        mka: MKAVerdicts
    ) -> Connection {
        let (keys, mode) = Keychain.keysAndMode(of: record, lag: lag, at: now)
        let secured = mka.secured(record)
        return Connection(
            ownerAccount: scope.account,
            connectionId: record.id,
            connectionName: record.name,
            connectionState: state
                ?? Keychain.connectionState(
                    HostedConnectionRules.state(record, at: now),
                    mode: mode,
                    secured: secured
                ),
            region: scope.region,
            location: record.port.location,
            bandwidth: record.port.bandwidth,
            vlan: record.vlan,
            partnerName: record.hosted?.partnerName,
            loaIssueTime: record.loaIssueTime,
            // A hosted connection on a LAG names it (reference §3.6, AssociateHostedConnection's example).
            lagId: record.lagId
                ?? record.hosted.flatMap { $0.parentId.hasPrefix(Identifiers.lagPrefix) ? $0.parentId : nil },
            awsDevice: record.port.awsDevice,
            jumboFrameCapable: true,
            awsDeviceV2: record.port.awsDeviceV2,
            awsLogicalDeviceId: record.port.awsLogicalDeviceId,
            hasLogicalRedundancy: .no,
            tags: tags(record.tags),
            providerName: record.port.providerName,
            macSecCapable: record.port.macSecCapable,
            portEncryptionStatus: Keychain.portEncryptionStatus(
                mode: mode,
                keys: keys,
                portDown: record.portDownAt != nil,
                secured: secured,
                at: now
            ),
            encryptionMode: mode.rawValue,
            macSecKeys: macSecKeys(keys, at: now),
            partnerInterconnectMacSecCapable: record.hosted?.parentMacSecCapable
        )
    }

    static func interconnect(
        _ record: ConnectionRecord,
        lag: LagRecord?,
        in scope: Scope,
        at now: Date,
        state: InterconnectState? = nil
    ) -> Interconnect {
        let (keys, mode) = Keychain.keysAndMode(of: record, lag: lag, at: now)
        return Interconnect(
            interconnectId: record.id,
            interconnectName: record.name,
            interconnectState: state
                ?? InterconnectState(
                    rawValue: Keychain.portState(record.state, portDown: record.portDownAt != nil, at: now).rawValue
                ),
            region: scope.region,
            location: record.port.location,
            bandwidth: record.port.bandwidth,
            loaIssueTime: record.loaIssueTime,
            lagId: record.lagId,
            awsDevice: record.port.awsDevice,
            jumboFrameCapable: true,
            awsDeviceV2: record.port.awsDeviceV2,
            awsLogicalDeviceId: record.port.awsLogicalDeviceId,
            hasLogicalRedundancy: .no,
            tags: tags(record.tags),
            providerName: record.port.providerName,
            macSecCapable: record.port.macSecCapable,
            portEncryptionStatus: Keychain.portEncryptionStatus(
                mode: mode,
                keys: keys,
                portDown: record.portDownAt != nil,
                at: now
            ),
            encryptionMode: mode.rawValue,
            macSecKeys: macSecKeys(keys, at: now)
        )
    }

    static func lag(
        _ record: LagRecord,
        members: [ConnectionRecord],
        in scope: Scope,
        at now: Date,
        state: LagState? = nil,
        memberState: ConnectionState? = nil,
        mka: MKAVerdicts
    ) -> Lag {
        let mode = Keychain.effectiveMode(record.port.encryptionMode, keys: record.keys, at: now)
        let encryptionDown = Set(
            members.filter { mode == .mustEncrypt && mka.secured($0) == false && $0.portDownAt == nil }.map(\.id)
        )
        return Lag(
            connectionsBandwidth: record.port.bandwidth,
            numberOfConnections: members.count,
            lagId: record.id,
            ownerAccount: scope.account,
            lagName: record.name,
            lagState: state
                ?? LagState(
                    rawValue: Keychain.lagState(
                        record.state,
                        members: members,
                        minimumLinks: record.minimumLinks,
                        encryptionDown: encryptionDown,
                        at: now
                    ).rawValue
                ),
            location: record.port.location,
            region: scope.region,
            minimumLinks: record.minimumLinks,
            awsDevice: record.port.awsDevice,
            awsDeviceV2: record.port.awsDeviceV2,
            awsLogicalDeviceId: record.port.awsLogicalDeviceId,
            connections: members.map {
                connection($0, lag: record, in: scope, at: now, state: memberState, mka: mka)
            },
            // Our choice: a LAG of interconnects (a partner's) hosts connections; any LAG may (SPEC 7).
            allowsHostedConnections: members.contains { $0.kind == .interconnect },
            jumboFrameCapable: true,
            hasLogicalRedundancy: .no,
            tags: tags(record.tags),
            providerName: record.port.providerName,
            macSecCapable: record.port.macSecCapable,
            encryptionMode: mode.rawValue,
            macSecKeys: macSecKeys(record.keys, at: now)
        )
    }
}
