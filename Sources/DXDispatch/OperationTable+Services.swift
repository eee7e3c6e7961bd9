import DirectConnect
import DirectConnectModel
import EC2
import Foundation
import SecretsManager
import SecretsManagerModel
import ServiceKit
import Storage

extension OperationTable {
    /// The operation table of every service dxlocal serves, over one store, clock and sealer.
    package static func serving(
        store: any Store,
        clock: any ServiceClock = SystemClock(),
        settleTimes: SettleTimes = SettleTimes(),
        sealer: SecretSealer,
        ec2External: Bool = false,
        mka: MKASettings = MKASettings()
    ) -> OperationTable {
        var table = OperationTable()
        table.registerDirectConnect(
            DirectConnectService(
                store: store,
                clock: clock,
                settleTimes: settleTimes,
                sealer: sealer,
                ec2External: ec2External,
                mka: mka
            ),
            cache: ResponseCache(store: store, clock: clock)
        )
        table.registerSecretsManager(SecretsManagerService(store: store, clock: clock, sealer: sealer))
        table.registerEC2(EC2Service(store: store, clock: clock, sealer: sealer))
        return table
    }
}

extension OperationTable {
    /// The Direct Connect operations: every one of the model (SPEC 7). The
    /// replies of DescribeConnections are kept in `cache` while they stay the same.
    package mutating func registerDirectConnect(_ service: DirectConnectService, cache: ResponseCache) {
        let prefix = DirectConnectMetadata.targetPrefix
        declare(
            prefix: prefix,
            signingName: DirectConnectMetadata.signingName,
            operations: DirectConnectOperation.allCases.map(\.rawValue),
            serverError: DirectConnectService.serverError
        )
        typealias Ops = DirectConnectOperations
        register(Ops.DescribeLocations.self, prefix: prefix, service.describeLocations)
        register(Ops.CreateConnection.self, prefix: prefix, service.createConnection)
        register(Ops.DescribeConnections.self, prefix: prefix, cachedIn: cache, service.describeConnectionsLasting)
        register(Ops.UpdateConnection.self, prefix: prefix, service.updateConnection)
        register(Ops.DeleteConnection.self, prefix: prefix, service.deleteConnection)
        register(Ops.CreateInterconnect.self, prefix: prefix, service.createInterconnect)
        register(Ops.DescribeInterconnects.self, prefix: prefix, service.describeInterconnects)
        register(Ops.DeleteInterconnect.self, prefix: prefix, service.deleteInterconnect)
        register(Ops.CreateLag.self, prefix: prefix, service.createLag)
        register(Ops.DescribeLags.self, prefix: prefix, service.describeLags)
        register(Ops.UpdateLag.self, prefix: prefix, service.updateLag)
        register(Ops.DeleteLag.self, prefix: prefix, service.deleteLag)
        register(Ops.AssociateConnectionWithLag.self, prefix: prefix, service.associateConnectionWithLag)
        register(Ops.DisassociateConnectionFromLag.self, prefix: prefix, service.disassociateConnectionFromLag)
        register(Ops.AssociateMacSecKey.self, prefix: prefix, service.associateMacSecKey)
        register(Ops.DisassociateMacSecKey.self, prefix: prefix, service.disassociateMacSecKey)
        register(Ops.TagResource.self, prefix: prefix, service.tagResource)
        register(Ops.UntagResource.self, prefix: prefix, service.untagResource)
        register(Ops.DescribeTags.self, prefix: prefix, service.describeTags)
        register(Ops.CreateDirectConnectGateway.self, prefix: prefix, service.createDirectConnectGateway)
        register(Ops.DescribeDirectConnectGateways.self, prefix: prefix, service.describeDirectConnectGateways)
        register(Ops.UpdateDirectConnectGateway.self, prefix: prefix, service.updateDirectConnectGateway)
        register(Ops.DeleteDirectConnectGateway.self, prefix: prefix, service.deleteDirectConnectGateway)
        register(
            Ops.DescribeDirectConnectGatewayAttachments.self,
            prefix: prefix,
            service.describeDirectConnectGatewayAttachments
        )
        register(
            Ops.CreateDirectConnectGatewayAssociation.self,
            prefix: prefix,
            service.createDirectConnectGatewayAssociation
        )
        register(
            Ops.DescribeDirectConnectGatewayAssociations.self,
            prefix: prefix,
            service.describeDirectConnectGatewayAssociations
        )
        register(
            Ops.UpdateDirectConnectGatewayAssociation.self,
            prefix: prefix,
            service.updateDirectConnectGatewayAssociation
        )
        register(
            Ops.DeleteDirectConnectGatewayAssociation.self,
            prefix: prefix,
            service.deleteDirectConnectGatewayAssociation
        )
        register(Ops.DescribeVirtualGateways.self, prefix: prefix, service.describeVirtualGateways)
        register(
            Ops.CreateDirectConnectGatewayAssociationProposal.self,
            prefix: prefix,
            service.createDirectConnectGatewayAssociationProposal
        )
        register(
            Ops.DescribeDirectConnectGatewayAssociationProposals.self,
            prefix: prefix,
            service.describeDirectConnectGatewayAssociationProposals
        )
        register(
            Ops.AcceptDirectConnectGatewayAssociationProposal.self,
            prefix: prefix,
            service.acceptDirectConnectGatewayAssociationProposal
        )
        register(
            Ops.DeleteDirectConnectGatewayAssociationProposal.self,
            prefix: prefix,
            service.deleteDirectConnectGatewayAssociationProposal
        )
        register(Ops.CreatePrivateVirtualInterface.self, prefix: prefix, service.createPrivateVirtualInterface)
        register(Ops.CreatePublicVirtualInterface.self, prefix: prefix, service.createPublicVirtualInterface)
        register(Ops.CreateTransitVirtualInterface.self, prefix: prefix, service.createTransitVirtualInterface)
        register(Ops.AllocatePrivateVirtualInterface.self, prefix: prefix, service.allocatePrivateVirtualInterface)
        register(Ops.AllocatePublicVirtualInterface.self, prefix: prefix, service.allocatePublicVirtualInterface)
        register(Ops.AllocateTransitVirtualInterface.self, prefix: prefix, service.allocateTransitVirtualInterface)
        register(Ops.ConfirmPrivateVirtualInterface.self, prefix: prefix, service.confirmPrivateVirtualInterface)
        register(Ops.ConfirmPublicVirtualInterface.self, prefix: prefix, service.confirmPublicVirtualInterface)
        register(Ops.ConfirmTransitVirtualInterface.self, prefix: prefix, service.confirmTransitVirtualInterface)
        register(Ops.DescribeVirtualInterfaces.self, prefix: prefix, service.describeVirtualInterfaces)
        register(Ops.UpdateVirtualInterfaceAttributes.self, prefix: prefix, service.updateVirtualInterfaceAttributes)
        register(Ops.AssociateVirtualInterface.self, prefix: prefix, service.associateVirtualInterface)
        register(Ops.DeleteVirtualInterface.self, prefix: prefix, service.deleteVirtualInterface)
        register(Ops.CreateBGPPeer.self, prefix: prefix, service.createBGPPeer)
        register(Ops.DeleteBGPPeer.self, prefix: prefix, service.deleteBGPPeer)
        register(Ops.StartBgpFailoverTest.self, prefix: prefix, service.startBgpFailoverTest)
        register(Ops.StopBgpFailoverTest.self, prefix: prefix, service.stopBgpFailoverTest)
        register(Ops.ListVirtualInterfaceTestHistory.self, prefix: prefix, service.listVirtualInterfaceTestHistory)
        register(Ops.DescribeRouterConfiguration.self, prefix: prefix, service.describeRouterConfiguration)
        register(Ops.AllocateHostedConnection.self, prefix: prefix, service.allocateHostedConnection)
        register(
            Ops.AllocateConnectionOnInterconnect.self,
            prefix: prefix,
            service.allocateConnectionOnInterconnect
        )
        register(Ops.ConfirmConnection.self, prefix: prefix, service.confirmConnection)
        register(Ops.DescribeHostedConnections.self, prefix: prefix, service.describeHostedConnections)
        register(
            Ops.DescribeConnectionsOnInterconnect.self,
            prefix: prefix,
            service.describeConnectionsOnInterconnect
        )
        register(Ops.AssociateHostedConnection.self, prefix: prefix, service.associateHostedConnection)
        register(Ops.DescribeLoa.self, prefix: prefix, service.describeLoa)
        register(Ops.DescribeConnectionLoa.self, prefix: prefix, service.describeConnectionLoa)
        register(Ops.DescribeInterconnectLoa.self, prefix: prefix, service.describeInterconnectLoa)
        register(Ops.ConfirmCustomerAgreement.self, prefix: prefix, service.confirmCustomerAgreement)
        register(Ops.DescribeCustomerMetadata.self, prefix: prefix, service.describeCustomerMetadata)
    }
}

extension OperationTable {
    /// The Secrets Manager operations dxlocal serves.
    package mutating func registerSecretsManager(_ service: SecretsManagerService) {
        let prefix = SecretsManagerMetadata.targetPrefix
        declare(
            prefix: prefix,
            signingName: SecretsManagerMetadata.signingName,
            operations: SecretsManagerOperation.allCases.map(\.rawValue),
            serverError: .secretsServerFailure
        )
        typealias Ops = SecretsManagerOperations
        register(Ops.CreateSecret.self, prefix: prefix, service.createSecret)
        register(Ops.DescribeSecret.self, prefix: prefix, service.describeSecret)
        register(Ops.ListSecrets.self, prefix: prefix, service.listSecrets)
        register(Ops.GetSecretValue.self, prefix: prefix, service.getSecretValue)
        register(Ops.PutSecretValue.self, prefix: prefix, service.putSecretValue)
        register(Ops.UpdateSecret.self, prefix: prefix, service.updateSecret)
        register(Ops.DeleteSecret.self, prefix: prefix, service.deleteSecret)
        register(Ops.RestoreSecret.self, prefix: prefix, service.restoreSecret)
        register(Ops.TagResource.self, prefix: prefix, service.tagResource)
        register(Ops.UntagResource.self, prefix: prefix, service.untagResource)
    }
}
