import Foundation

/// A resource tag as stored, in the order it was first set.
package struct TagRecord: Hashable, Sendable, Codable {
    package var key: String
    package var value: String?

    package init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

/// One CKN/CAK pair on a target's keychain. The CAK itself lives only in the secret, sealed.
package struct KeyRecord: Hashable, Sendable, Codable {
    package var secretARN: String
    package var ckn: String
    /// When the key was associated.
    package var startOn: Date
    /// When `associating` becomes `associated`.
    package var associatedAt: Date
    /// When a disassociation was requested, if it was.
    package var disassociationRequestedAt: Date?
    /// When a requested disassociation completes and the key disappears.
    package var disassociatedAt: Date?
    /// When the key's secret is deleted (its scheduled deletion completes) and the key disappears with it.
    package var expiresAt: Date?

    package init(
        secretARN: String,
        ckn: String,
        startOn: Date,
        associatedAt: Date,
        disassociationRequestedAt: Date? = nil,
        disassociatedAt: Date? = nil,
        expiresAt: Date? = nil
    ) {
        self.secretARN = secretARN
        self.ckn = ckn
        self.startOn = startOn
        self.associatedAt = associatedAt
        self.disassociationRequestedAt = disassociationRequestedAt
        self.disassociatedAt = disassociatedAt
        self.expiresAt = expiresAt
    }
}

/// The physical facts shared by connections, interconnects and LAGs.
package struct PortRecord: Hashable, Sendable, Codable {
    package var location: String
    package var bandwidth: String
    package var awsDevice: String
    package var awsDeviceV2: String
    package var awsLogicalDeviceId: String
    package var providerName: String?
    package var macSecCapable: Bool
    /// `no_encrypt`, `should_encrypt` or `must_encrypt`.
    package var encryptionMode: String

    package init(
        location: String,
        bandwidth: String,
        awsDevice: String,
        awsDeviceV2: String,
        awsLogicalDeviceId: String,
        providerName: String?,
        macSecCapable: Bool,
        encryptionMode: String
    ) {
        self.location = location
        self.bandwidth = bandwidth
        self.awsDevice = awsDevice
        self.awsDeviceV2 = awsDeviceV2
        self.awsLogicalDeviceId = awsLogicalDeviceId
        self.providerName = providerName
        self.macSecCapable = macSecCapable
        self.encryptionMode = encryptionMode
    }
}

/// A state that settles to `available` at a stored instant, so every server instance reads the same state.
package struct SettlingState: Hashable, Sendable, Codable {
    /// The state reported until `settlesAt` (`requested`, `pending`, ...).
    package var transitional: String
    package var settlesAt: Date

    package init(transitional: String, settlesAt: Date) {
        self.transitional = transitional
        self.settlesAt = settlesAt
    }
}

/// A dedicated connection or an interconnect.
package struct ConnectionRecord: Hashable, Sendable, Codable {
    package enum Kind: String, Hashable, Sendable, Codable {
        case connection
        case interconnect
    }

    package var id: String
    package var kind: Kind
    package var name: String
    package var port: PortRecord
    package var vlan: Int
    package var lagId: String?
    package var state: SettlingState
    package var createdAt: Date
    package var tags: [TagRecord]
    /// The connection's own keychain; a LAG member's keys are the LAG's.
    package var keys: [KeyRecord]

    package init(
        id: String,
        kind: Kind,
        name: String,
        port: PortRecord,
        vlan: Int,
        lagId: String?,
        state: SettlingState,
        createdAt: Date,
        tags: [TagRecord],
        keys: [KeyRecord]
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.port = port
        self.vlan = vlan
        self.lagId = lagId
        self.state = state
        self.createdAt = createdAt
        self.tags = tags
        self.keys = keys
    }
}

/// A link aggregation group; its members are the connections whose `lagId` names it.
package struct LagRecord: Hashable, Sendable, Codable {
    package var id: String
    package var name: String
    package var port: PortRecord
    package var minimumLinks: Int
    package var state: SettlingState
    package var createdAt: Date
    package var tags: [TagRecord]
    package var keys: [KeyRecord]

    package init(
        id: String,
        name: String,
        port: PortRecord,
        minimumLinks: Int,
        state: SettlingState,
        createdAt: Date,
        tags: [TagRecord],
        keys: [KeyRecord]
    ) {
        self.id = id
        self.name = name
        self.port = port
        self.minimumLinks = minimumLinks
        self.state = state
        self.createdAt = createdAt
        self.tags = tags
        self.keys = keys
    }
}

/// One version of a secret's value, sealed.
package struct SecretVersionRecord: Hashable, Sendable, Codable {
    package var versionId: String
    /// Nonce, ciphertext and tag of the version's value (AES-GCM).
    package var sealedValue: Data
    /// Which master key sealed the value.
    package var masterKeyId: String
    /// Staging labels: `AWSCURRENT`, `AWSPREVIOUS`, custom ones.
    package var stages: [String]
    package var createdAt: Date

    package init(versionId: String, sealedValue: Data, masterKeyId: String, stages: [String], createdAt: Date) {
        self.versionId = versionId
        self.sealedValue = sealedValue
        self.masterKeyId = masterKeyId
        self.stages = stages
        self.createdAt = createdAt
    }
}

/// A Secrets Manager secret. Its values are only ever held sealed (AES-GCM under the master key).
package struct SecretRecord: Hashable, Sendable, Codable {
    package var arn: String
    package var name: String
    package var description: String?
    package var kmsKeyId: String?
    /// `directconnect` for the secrets Direct Connect manages; `nil` for a user's own.
    package var owningService: String?
    /// The CKN of a managed secret, so the key can be re-associated by ARN without opening the value.
    package var ckn: String?
    package var versions: [SecretVersionRecord]
    package var createdAt: Date
    package var lastChangedAt: Date
    package var lastAccessedAt: Date?
    /// When a scheduled deletion completes; `nil` while none is scheduled.
    package var deletionDate: Date?
    package var tags: [TagRecord]

    package init(
        arn: String,
        name: String,
        description: String? = nil,
        kmsKeyId: String? = nil,
        owningService: String?,
        ckn: String?,
        versions: [SecretVersionRecord],
        createdAt: Date,
        lastChangedAt: Date,
        lastAccessedAt: Date? = nil,
        deletionDate: Date?,
        tags: [TagRecord]
    ) {
        self.arn = arn
        self.name = name
        self.description = description
        self.kmsKeyId = kmsKeyId
        self.owningService = owningService
        self.ckn = ckn
        self.versions = versions
        self.createdAt = createdAt
        self.lastChangedAt = lastChangedAt
        self.lastAccessedAt = lastAccessedAt
        self.deletionDate = deletionDate
        self.tags = tags
    }

    /// Whether a scheduled deletion has completed at `now`: the secret no longer exists.
    package func isDeleted(at now: Date) -> Bool {
        deletionDate.map { now >= $0 } ?? false
    }
}
