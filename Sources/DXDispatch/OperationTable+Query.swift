import AWSJSONProtocol
import AWSQueryProtocol
import EC2
import EC2Model
import Storage

extension OperationTable {
    /// The table prefix of EC2's operations: EC2 has no `X-Amz-Target`, so the server looks a request's `Action` up
    /// under it (`EC2.CreateVpc`).
    package static let ec2Prefix = EC2Metadata.serviceId
    /// The `Version` EC2's requests name.
    package static let ec2APIVersion = EC2Metadata.apiVersion

    /// Registers an operation of a Query-protocol model (EC2's): its handler reads the request's parameters into the
    /// input shape, runs the operation and answers its output in the XML envelope, with the request's ID.
    package mutating func register<Operation: AWSQueryOperation>(
        _ operation: Operation.Type,
        prefix: String,
        namespace: String,
        _ body: @escaping @Sendable (Operation.Input, Scope) async throws -> Operation.Output
    ) {
        addQuery(Operation.name, prefix: prefix) { query, scope, _ in
            try query.requireRecognized(by: Operation.Input.self)
            // A shape read at the top level is always there; were it not, the table answers a fault of the server.
            guard let input = try Operation.Input.read(query, "") else { throw TopLevelShapeMissing() }
            let output = try await body(input, scope)
            return OperationReply(chunks: [
                AWSQueryCoding.reply(
                    action: Operation.name,
                    namespace: namespace,
                    requestID: RequestID.current ?? RequestID.make(),
                    output: output
                )
            ])
        }
    }

    /// The EC2 operations of SPEC 9, CreateTags, DeleteTags and DescribeTags, and what Terraform's `aws_vpc` calls
    /// besides; every other one of the model answers `NotImplemented`.
    package mutating func registerEC2(_ service: EC2Service) {
        let prefix = Self.ec2Prefix
        declare(
            prefix: prefix,
            signingName: EC2Metadata.signingName,
            operations: EC2Operation.allCases.map(\.rawValue),
            serverError: EC2Service.serverError,
            query: true
        )
        let namespace = EC2Metadata.xmlNamespace
        typealias Ops = EC2Operations
        register(Ops.CreateVpc.self, prefix: prefix, namespace: namespace, service.createVpc)
        register(Ops.DescribeVpcs.self, prefix: prefix, namespace: namespace, service.describeVpcs)
        register(Ops.DeleteVpc.self, prefix: prefix, namespace: namespace, service.deleteVpc)
        register(Ops.DescribeVpcAttribute.self, prefix: prefix, namespace: namespace, service.describeVpcAttribute)
        register(Ops.ModifyVpcAttribute.self, prefix: prefix, namespace: namespace, service.modifyVpcAttribute)
        register(Ops.ModifyVpcTenancy.self, prefix: prefix, namespace: namespace, service.modifyVpcTenancy)
        register(Ops.DescribeRouteTables.self, prefix: prefix, namespace: namespace, service.describeRouteTables)
        register(Ops.DescribeNetworkAcls.self, prefix: prefix, namespace: namespace, service.describeNetworkAcls)
        register(Ops.DescribeSecurityGroups.self, prefix: prefix, namespace: namespace, service.describeSecurityGroups)
        register(
            Ops.EnableVgwRoutePropagation.self,
            prefix: prefix,
            namespace: namespace,
            service.enableVgwRoutePropagation
        )
        register(
            Ops.DisableVgwRoutePropagation.self,
            prefix: prefix,
            namespace: namespace,
            service.disableVgwRoutePropagation
        )
        register(Ops.CreateVpnGateway.self, prefix: prefix, namespace: namespace, service.createVpnGateway)
        register(Ops.DescribeVpnGateways.self, prefix: prefix, namespace: namespace, service.describeVpnGateways)
        register(Ops.DeleteVpnGateway.self, prefix: prefix, namespace: namespace, service.deleteVpnGateway)
        register(Ops.AttachVpnGateway.self, prefix: prefix, namespace: namespace, service.attachVpnGateway)
        register(Ops.DetachVpnGateway.self, prefix: prefix, namespace: namespace, service.detachVpnGateway)
        register(Ops.CreateTags.self, prefix: prefix, namespace: namespace, service.createTags)
        register(Ops.DeleteTags.self, prefix: prefix, namespace: namespace, service.deleteTags)
        register(Ops.DescribeTags.self, prefix: prefix, namespace: namespace, service.describeTags)
        register(Ops.CreateTransitGateway.self, prefix: prefix, namespace: namespace, service.createTransitGateway)
        register(
            Ops.DescribeTransitGateways.self,
            prefix: prefix,
            namespace: namespace,
            service.describeTransitGateways
        )
        register(Ops.DeleteTransitGateway.self, prefix: prefix, namespace: namespace, service.deleteTransitGateway)
        register(
            Ops.DescribeTransitGatewayAttachments.self,
            prefix: prefix,
            namespace: namespace,
            service.describeTransitGatewayAttachments
        )
    }
}

/// A generated reader found no shape at the top level of a request, which it never does.
struct TopLevelShapeMissing: Error {}
