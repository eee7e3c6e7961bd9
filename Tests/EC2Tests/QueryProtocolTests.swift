import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import NIOCore
import Testing

/// EC2's Query protocol as botocore speaks it: form parameters in (lists numbered from 1, structures by member),
/// XML out, EC2's error form.
@Suite struct QueryProtocolTests {
    func parameters(_ form: String) throws -> QueryParameters {
        try QueryParameters(form: Array(form.utf8))
    }

    @Test func formEscapesAndSpacesAreDecoded() throws {
        let query = try parameters("Action=CreateVpc&TagSpecification.1.Tag.1.Value=a%20b+c%26d%3D&Empty=&Bare")
        #expect(query["Action"] == "CreateVpc")
        #expect(query["TagSpecification.1.Tag.1.Value"] == "a b c&d=")
        #expect(query["Empty"] == "")
        #expect(query["Bare"] == "")
        #expect(query.has("TagSpecification.1.Tag"))
        #expect(query.has("TagSpecification"))
        #expect(!query.has("Tag"))
    }

    @Test(arguments: ["CidrBlock=%ZZ", "CidrBlock=%4", "%=x", "CidrBlock=%FF%FE"])
    func malformedFormsAreRefusedWithoutEchoingTheValue(_ form: String) throws {
        let error = #expect(throws: AWSError.self) { try parameters(form) }
        #expect(error?.code == "MalformedQueryString")
        #expect(error?.status == 400)
        #expect(error?.message.contains("%") == false)
    }

    @Test func aParameterGivenTwiceIsRefused() throws {
        let error = #expect(throws: AWSError.self) { try parameters("VpcId=vpc-1&VpcId=vpc-2") }
        #expect(error?.code == "MalformedQueryString")
        #expect(error?.message.contains("VpcId") == true)
    }

    @Test func listsAndStructuresAreReadAsBotocoreWritesThem() throws {
        let query = try parameters(
            "Action=DescribeVpcs&Filter.1.Name=tag%3AName&Filter.1.Value.1=web-*&Filter.1.Value.2=db"
                + "&Filter.2.Name=state&Filter.2.Value.1=available&VpcId.1=vpc-1&VpcId.2=vpc-2&MaxResults=5"
                + "&DryRun=false&Filter.4.Name=ignored-after-a-gap"
        )
        let input = try #require(try DescribeVpcsRequest.read(query, ""))
        #expect(
            input.filters == [
                Filter(name: "tag:Name", values: ["web-*", "db"]), Filter(name: "state", values: ["available"]),
            ]
        )
        #expect(input.vpcIds == ["vpc-1", "vpc-2"])
        #expect(input.maxResults == 5)
        #expect(input.dryRun == false)
        #expect(input.nextToken == nil)
    }

    @Test func nestedStructuresAndLocationNamesAreFollowed() throws {
        // CreateTransitGateway's Options is a structure; CreateVpc's `dryRun` location name is sent as DryRun.
        let query = try parameters(
            "Options.AmazonSideAsn=64600&Options.DnsSupport=disable&TagSpecification.1.ResourceType=transit-gateway"
                + "&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=core&DryRun=true"
        )
        let input = try #require(try CreateTransitGatewayRequest.read(query, ""))
        #expect(input.options?.amazonSideAsn == 64600)
        #expect(input.options?.dnsSupport == .disable)
        #expect(input.tagSpecifications?.first?.resourceType == .transitGateway)
        #expect(input.tagSpecifications?.first?.tags == [Tag(key: "Name", value: "core")])
        #expect(input.dryRun == true)
    }

    @Test(arguments: [("MaxResults=five", "integer"), ("DryRun=yes", "true or false")])
    func aValueOfTheWrongFormIsInvalidParameterValue(_ form: String, _ expected: String) throws {
        let error = #expect(throws: AWSError.self) { try DescribeVpcsRequest.read(try parameters(form), "") }
        #expect(error?.code == "InvalidParameterValue")
        #expect(error?.message.contains(expected) == true)
    }

    func xml(_ value: some AWSXMLValue) -> String {
        var writer = AWSXMLWriter()
        value.writeXML(to: &writer)
        return String(buffer: writer.buffer)
    }

    @Test func repliesAreWrittenWithLocationNamesItemsAndEscapes() {
        let output = DescribeVpcsResult(vpcs: [
            Vpc(
                tags: [Tag(key: "Name", value: "a<b>&\"c'")],
                vpcId: "vpc-1",
                state: .available,
                cidrBlock: "10.0.0.0/16"
            )
        ])
        #expect(
            xml(output) == "<vpcSet><item><tagSet><item><key>Name</key><value>a&lt;b&gt;&amp;&quot;c&apos;</value>"
                + "</item></tagSet><vpcId>vpc-1</vpcId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock>"
                + "</item></vpcSet>"
        )
        #expect(xml(DescribeVpcsResult(vpcs: [])) == "<vpcSet></vpcSet>")
        #expect(xml(QueryReturn()) == "<return>true</return>")
    }

    @Test func instantsAreISO8601InUTCWithMilliseconds() {
        let output = TransitGateway(creationTime: Date(timeIntervalSince1970: 1_800_000_000.25))
        #expect(xml(output) == "<creationTime>2027-01-15T08:00:00.250Z</creationTime>")
    }

    @Test func theEnvelopeAndTheErrorFormCarryTheRequestID() {
        let reply = AWSQueryCoding.reply(
            action: "DeleteVpc",
            namespace: EC2Metadata.xmlNamespace,
            requestID: "req-1",
            output: QueryReturn()
        )
        #expect(
            String(buffer: reply) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteVpcResponse "
                + "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId><return>true</return>"
                + "</DeleteVpcResponse>"
        )
        let error = AWSQueryCoding.errorBody(
            AWSError(code: "InvalidVpcID.NotFound", message: "The vpc ID 'vpc-<1>' does not exist", status: 400),
            requestID: "req-2"
        )
        #expect(
            String(buffer: error) == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
                + "InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;vpc-&lt;1&gt;&apos; does not exist</Message>"
                + "</Error></Errors><RequestID>req-2</RequestID></Response>"
        )
    }

    @Test func theActionIsRequiredAndTheVersionChecked() throws {
        #expect(
            try AWSQueryCoding.action(
                of: try parameters("Action=DescribeVpcs&Version=2016-11-15"),
                version: "2016-11-15"
            ) == "DescribeVpcs"
        )
        #expect(
            try AWSQueryCoding.action(of: try parameters("Action=DescribeVpcs"), version: "2016-11-15")
                == "DescribeVpcs"
        )
        let missing = #expect(throws: AWSError.self) {
            try AWSQueryCoding.action(of: try parameters("Version=2016-11-15"), version: "2016-11-15")
        }
        #expect(missing?.code == "MissingAction")
        let version = #expect(throws: AWSError.self) {
            try AWSQueryCoding.action(
                of: try parameters("Action=DescribeVpcs&Version=2014-01-01"),
                version: "2016-11-15"
            )
        }
        #expect(version?.code == "InvalidParameterValue")
    }

    /// Every parameter of a request walks the input's shapes (members, then list indexes from 1); the first segment
    /// that names nothing is EC2's `UnknownParameter`.
    static let recognition: [(form: String, unrecognized: String?)] = [
        ("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=a&Filter.1.Value.2=c", nil),
        ("VpcId.1=b&MaxResults=5&DryRun=false", nil),
        ("Filter.1.Name=a&Filter.1.Names=b", "Names"),
        ("Filter.01.Name=a", "01"),
        ("Filter.-1.Name=a", "-1"),
        ("Filter..Name=a", ""),
        ("VpcId=", nil),  // an empty list, as botocore sends it
        ("VpcId.1=a&VpcId.3=b", "3"),  // after a gap: the reader stops at the first missing index
        ("Filter.2.Name=a&Filter.1.Value.1=b", nil),
        ("Filter.2.Name=a", "2"),
        ("Bogus=1&Filter.1.Nam=x&Zeta=2", "Bogus"),  // the first in the request's order
        ("Zeta=2&Filter.1.Nam=x&Bogus=1", "Zeta"),
        ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab&SignatureVersion=2&AWSAccessKeyId=a&Timestamp=t", nil),
        ("VpcId.1.Name=x", "Name"),
        ("DryRun.Value=true", "Value"),
        ("Bogus=1", "Bogus"),
    ]

    @Test(arguments: [("VpcId=vpc-12345678", "VpcId.1, VpcId.2"), ("Filter.1=x", "Filter.1.<member>")])
    func aValueAtAListsOrAStructuresOwnNameIsRefused(_ form: String, _ words: String) throws {
        let query = try parameters(form)
        let error = #expect(throws: AWSError.self) { try query.requireRecognized(by: DescribeVpcsRequest.self) }
        #expect(error?.code == "InvalidParameterValue")
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
    }

    @Test(arguments: [String(repeating: ".", count: 33), String(repeating: "a", count: 513)])
    func aNameTooLongOrTooDeepIsRefusedBeforeItsPrefixesAreKept(_ name: String) {
        let error = #expect(throws: AWSError.self) { try parameters(name + "=1") }
        #expect(error?.code == "MalformedQueryString")
    }

    @Test(arguments: recognition)
    func aParameterTheInputDoesNotHaveIsNamed(_ form: String, _ unrecognized: String?) throws {
        let query = try parameters(form)
        guard let unrecognized else {
            try query.requireRecognized(by: DescribeVpcsRequest.self)
            return
        }
        let error = #expect(throws: AWSError.self) { try query.requireRecognized(by: DescribeVpcsRequest.self) }
        #expect(error?.code == "UnknownParameter")
        #expect(error?.message == "The parameter \(unrecognized) is not recognized")
    }
}
