import AWSJSONProtocol
import DirectConnectModel
import Foundation
import Storage

/// Customer agreements and metadata (reference §3.10): one `CustomerRecord` per account, in its global scope. Without
/// one an account is a `nonPartner` with no agreements (our choice, SPEC 7); the operator's seed may make it a `v1`
/// or `v2` partner, which gates the bandwidths it allocates, and give the name its hosted connections show.
extension DirectConnectService {
    static let customerRecordId = "customer"
    /// The longest agreement name (the model's limit).
    static let agreementNameLimit = 100

    /// An account's metadata, or the default one.
    func customerRecord(of account: String, in transaction: any StoreTransaction) async throws -> CustomerRecord {
        try await transaction.record(CustomerRecord.self, id: Self.customerRecordId, in: .global(account: account))
            ?? CustomerRecord(
                id: Self.customerRecordId,
                nniPartnerType: HostedConnectionRules.PartnerType.nonPartner.rawValue,
                agreements: []
            )
    }

    /// Signs an agreement: listed as `signed` from then on (real agreement names are unknown, so any name is taken,
    /// our choice).
    package func confirmCustomerAgreement(
        _ input: ConfirmCustomerAgreementRequest,
        in scope: Scope
    ) async throws -> ConfirmCustomerAgreementResponse {
        let name = try Self.agreementName(input.agreementName)
        let global = Scope.global(account: scope.account)
        return try await transaction(.write) { transaction in
            var record = try await customerRecord(of: scope.account, in: transaction)
            if let index = record.agreements.firstIndex(where: { $0.name == name }) {
                record.agreements[index].status = "signed"
            } else {
                record.agreements.append(AgreementRecord(name: name, status: "signed"))
            }
            try await transaction.save(record, in: global)
            return ConfirmCustomerAgreementResponse(status: "signed")
        }
    }

    package func describeCustomerMetadata(
        _ input: EmptyShape,
        in scope: Scope
    ) async throws -> DescribeCustomerMetadataResponse {
        try await transaction(.read) { transaction in
            let record = try await customerRecord(of: scope.account, in: transaction)
            return DescribeCustomerMetadataResponse(
                agreements: record.agreements.map { CustomerAgreement(agreementName: $0.name, status: $0.status) },
                nniPartnerType: NniPartnerType(rawValue: record.nniPartnerType)
            )
        }
    }

    /// What a seed sets for an account (`customerMetadata`): its partner type, partner name and agreements, each
    /// checked as a request would be.
    package func seedCustomerMetadata(
        account: String,
        nniPartnerType: String?,
        partnerName: String?,
        agreements: [(name: String, status: String)]
    ) async throws {
        let type = nniPartnerType ?? HostedConnectionRules.PartnerType.nonPartner.rawValue
        guard HostedConnectionRules.PartnerType(rawValue: type) != nil else {
            throw AWSError.client(
                "nniPartnerType \(Identifiers.quoted(type)) is not one of "
                    + HostedConnectionRules.PartnerType.allCases.map(\.rawValue).joined(separator: ", ")
            )
        }
        if let partnerName, partnerName.isEmpty || partnerName.count > 256 {
            throw AWSError.client("partnerName must be 1 to 256 characters")
        }
        var records: [AgreementRecord] = []
        for agreement in agreements {
            let name = try Self.agreementName(agreement.name)
            guard ["signed", "unsigned"].contains(agreement.status) else {
                throw AWSError.client("The status of agreement \(Identifiers.quoted(name)) is signed or unsigned")
            }
            records.removeAll { $0.name == name }
            records.append(AgreementRecord(name: name, status: agreement.status))
        }
        let record = CustomerRecord(
            id: Self.customerRecordId,
            nniPartnerType: type,
            partnerName: partnerName,
            agreements: records
        )
        try await transaction(.write) { transaction in
            try await transaction.save(record, in: .global(account: account))
        }
    }

    static func agreementName(_ given: String?) throws -> String {
        let name = try required(given, "agreementName")
        guard name.count <= agreementNameLimit else {
            throw AWSError.client("agreementName must be at most \(agreementNameLimit) characters")
        }
        return name
    }
}

extension CustomerRecord {
    /// The partner type its allocations are held to; `nonPartner` for any other value (our choice, SPEC 7).
    var partnerType: HostedConnectionRules.PartnerType {
        HostedConnectionRules.PartnerType(rawValue: nniPartnerType) ?? .nonPartner
    }
}
