import AWSJSONProtocol
import Foundation

// The record documents written member by member (AWSJSONWriter), the same JSON that their synthesized `Encodable`
// conformances give under `RecordDocument`'s settings: every write of a batch encodes its records, and
// `JSONEncoder` took longer than the rest of the flush. Decoding stays with `JSONDecoder`, so a document written
// here is read exactly as before (a test holds every record type to a round trip).

extension TagRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"key\":", key)
        writer.member("\"value\":", value)
        writer.endObject()
    }
}

extension KeyRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"secretARN\":", secretARN)
        writer.member("\"ckn\":", ckn)
        writer.member("\"startOn\":", startOn)
        writer.member("\"associatedAt\":", associatedAt)
        writer.member("\"disassociationRequestedAt\":", disassociationRequestedAt)
        writer.member("\"disassociatedAt\":", disassociatedAt)
        writer.member("\"expiresAt\":", expiresAt)
        writer.endObject()
    }
}

extension PortRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"location\":", location)
        writer.member("\"bandwidth\":", bandwidth)
        writer.member("\"awsDevice\":", awsDevice)
        writer.member("\"awsDeviceV2\":", awsDeviceV2)
        writer.member("\"awsLogicalDeviceId\":", awsLogicalDeviceId)
        writer.member("\"providerName\":", providerName)
        writer.member("\"macSecCapable\":", macSecCapable)
        writer.member("\"encryptionMode\":", encryptionMode)
        writer.endObject()
    }
}

extension SettlingState: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"transitional\":", transitional)
        writer.member("\"settlesAt\":", settlesAt)
        writer.endObject()
    }
}

extension ConnectionRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"id\":", id)
        writer.member("\"kind\":", kind.rawValue)
        writer.member("\"name\":", name)
        writer.member("\"port\":", port)
        writer.member("\"vlan\":", vlan)
        writer.member("\"lagId\":", lagId)
        writer.member("\"state\":", state)
        writer.member("\"createdAt\":", createdAt)
        writer.member("\"tags\":", tags)
        writer.member("\"keys\":", keys)
        writer.endObject()
    }
}

extension LagRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"id\":", id)
        writer.member("\"name\":", name)
        writer.member("\"port\":", port)
        writer.member("\"minimumLinks\":", minimumLinks)
        writer.member("\"state\":", state)
        writer.member("\"createdAt\":", createdAt)
        writer.member("\"tags\":", tags)
        writer.member("\"keys\":", keys)
        writer.endObject()
    }
}

extension SecretVersionRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"versionId\":", versionId)
        writer.member("\"sealedValue\":", sealedValue)
        writer.member("\"masterKeyId\":", masterKeyId)
        writer.member("\"stages\":", stages)
        writer.member("\"createdAt\":", createdAt)
        writer.endObject()
    }
}

extension SecretRecord: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"arn\":", arn)
        writer.member("\"name\":", name)
        writer.member("\"description\":", description)
        writer.member("\"kmsKeyId\":", kmsKeyId)
        writer.member("\"owningService\":", owningService)
        writer.member("\"ckn\":", ckn)
        writer.member("\"versions\":", versions)
        writer.member("\"createdAt\":", createdAt)
        writer.member("\"lastChangedAt\":", lastChangedAt)
        writer.member("\"lastAccessedAt\":", lastAccessedAt)
        writer.member("\"deletionDate\":", deletionDate)
        writer.member("\"tags\":", tags)
        writer.endObject()
    }
}
