extension VpnGatewayRecord {
    /// The attachment not detached, if there is one.
    package var liveAttachment: VpcAttachmentRecord? { attachments.last { $0.detachedAt == nil } }
}
